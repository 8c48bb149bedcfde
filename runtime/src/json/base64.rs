//! Base64 for `bytes` fields: written in the standard alphabet with padding, read in
//! either alphabet (standard or URL-safe), padding optional, as the JSON mapping says.

use core::fmt;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Displays bytes as standard, padded base64 (so serializers can write it without an
/// intermediate `String`).
pub(crate) struct Base64<'a>(pub &'a [u8]);

impl fmt::Display for Base64<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 256];
        let mut len = 0;
        for chunk in self.0.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let out = [
                STANDARD[(n >> 18) as usize & 63],
                STANDARD[(n >> 12) as usize & 63],
                if chunk.len() > 1 {
                    STANDARD[(n >> 6) as usize & 63]
                } else {
                    b'='
                },
                if chunk.len() > 2 {
                    STANDARD[n as usize & 63]
                } else {
                    b'='
                },
            ];
            buf[len..len + 4].copy_from_slice(&out);
            len += 4;
            if len == buf.len() {
                f.write_str(core::str::from_utf8(&buf[..len]).expect("base64 is ASCII"))?;
                len = 0;
            }
        }
        f.write_str(core::str::from_utf8(&buf[..len]).expect("base64 is ASCII"))
    }
}

fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Decodes standard or URL-safe base64, with or without padding.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, &'static str> {
    let mut bytes = text.as_bytes();
    if bytes.len() % 4 == 0 {
        bytes = bytes
            .strip_suffix(b"==")
            .or_else(|| bytes.strip_suffix(b"="))
            .unwrap_or(bytes);
    }
    if bytes.len() % 4 == 1 {
        return Err("base64 of impossible length");
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for &c in chunk {
            n = (n << 6) | sextet(c).ok_or("invalid base64 character")?;
        }
        n <<= 6 * (4 - chunk.len() as u32);
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..chunk.len() - 1]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_accepts_both_alphabets() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"\xfb\xff", "+/8="),
        ] {
            assert_eq!(Base64(raw).to_string(), text);
            assert_eq!(decode(text).unwrap(), raw);
        }
        let long: Vec<u8> = (0..=255).cycle().take(1000).collect();
        assert_eq!(decode(&Base64(&long).to_string()).unwrap(), long);
        assert_eq!(decode("-_8").unwrap(), b"\xfb\xff");
        assert_eq!(decode("Zm8").unwrap(), b"fo");
        assert!(decode("Zm8*").is_err());
        assert!(decode("Z").is_err());
    }
}
