//! Shows the build.rs path end to end: build an `EchoRequest`, encode it, decode it back.
//!
//! `cargo run -p rsfast-examples --bin echo-roundtrip -- "some message"`

use rsfast::Message;
use rsfast_examples::echo::{EchoRequest, EchoResponse};

fn main() {
    let arg = std::env::args().nth(1);
    if matches!(arg.as_deref(), Some("-h" | "--help")) {
        println!("usage: echo-roundtrip [MESSAGE]\n\nEncodes an EchoRequest, decodes it, and answers with an EchoResponse.");
        return;
    }
    let request = EchoRequest {
        message: arg.unwrap_or_else(|| "hello rsfast".to_owned()),
        ..Default::default()
    };
    let bytes = request.encode_to_vec();
    println!("EchoRequest encodes to {} bytes: {bytes:02x?}", bytes.len());

    let decoded = EchoRequest::decode(&bytes).expect("what rsfast encodes, it decodes");
    assert_eq!(decoded, request);
    let response = EchoResponse {
        message: decoded.message,
        ..Default::default()
    };
    println!("decoded; answering {response:?}");
}
