//! `conformance-rsfast`: speaks the conformance protocol on stdin/stdout (a 4-byte
//! little-endian length, then a ConformanceRequest; answered the same way with a
//! ConformanceResponse) until end of input.

use std::io::{self, Read, Write};

use rsfast::Message;
use rsfast_conformance::conformance::{ConformanceRequest, ConformanceResponse};

fn main() -> io::Result<()> {
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    loop {
        let mut len = [0u8; 4];
        match stdin.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let mut request = vec![0u8; u32::from_le_bytes(len) as usize];
        stdin.read_exact(&mut request)?;
        let result = match ConformanceRequest::decode(&request) {
            Ok(request) => rsfast_conformance::handle(&request),
            Err(e) => rsfast_conformance::conformance::conformance_response::Result::RuntimeError(
                format!("bad ConformanceRequest: {e}"),
            ),
        };
        let response = ConformanceResponse {
            result: Some(result),
            ..Default::default()
        }
        .encode_to_vec();
        stdout.write_all(&(response.len() as u32).to_le_bytes())?;
        stdout.write_all(&response)?;
        stdout.flush()?;
    }
}
