//! Helpers for the readable `Debug` that the `debug` option generates: bytes print as
//! escaped byte strings (`b"ab\x00"`) instead of lists of numbers.

use core::fmt;

/// Shows bytes as an escaped byte string: `b"GIF89a\x01\x00"`.
pub struct Bytes<'a>(pub &'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("b\"")?;
        for &b in self.0 {
            // `escape_default` also escapes `'`, which a double-quoted string need not.
            if b == b'\'' {
                f.write_str("'")?;
            } else {
                fmt::Display::fmt(&core::ascii::escape_default(b), f)?;
            }
        }
        f.write_str("\"")
    }
}

/// A list of byte strings (repeated bytes fields).
pub struct BytesList<'a, T>(pub &'a [T]);

impl<T: AsRef<[u8]>> fmt::Debug for BytesList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|v| Bytes(v.as_ref())))
            .finish()
    }
}

/// A map whose values are byte strings (`map<K, bytes>` fields).
pub struct BytesMap<'a, M>(pub &'a M);

impl<'a, M, K, V> fmt::Debug for BytesMap<'a, M>
where
    &'a M: IntoIterator<Item = (&'a K, &'a V)>,
    K: fmt::Debug + 'a,
    V: AsRef<[u8]> + 'a,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.into_iter().map(|(k, v)| (k, Bytes(v.as_ref()))))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_escaped() {
        assert_eq!(
            format!("{:?}", Bytes(b"a\"'\x00\xff\n")),
            r#"b"a\"'\x00\xff\n""#
        );
        let list = [b"x".to_vec(), Vec::new()];
        assert_eq!(format!("{:?}", BytesList(&list)), r#"[b"x", b""]"#);
        let map = std::collections::BTreeMap::from([(1, b"\x01".to_vec())]);
        assert_eq!(format!("{:?}", BytesMap(&map)), r#"{1: b"\x01"}"#);
    }
}
