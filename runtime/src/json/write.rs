//! The direct JSON writer: generated [`JsonWrite`] impls append canonical JSON to a
//! `Vec<u8>` with each key's quoted bytes precomputed at generation time, skipping the
//! serializer's per-key escaping and dispatch. [`super::to_vec`] and friends use it;
//! the `Serialize` impls (any serde format) write the same JSON.

use std::collections::HashMap;

use serde::ser::Error as _;

use super::base64::Base64;
use super::codec::MapKey;

/// What JSON writing fails with (a Timestamp out of range, a FieldMask path with no
/// lowerCamel form, an `Any` of an unregistered type, ...).
pub type Error = serde_json::Error;

/// Appends JSON to a byte vector; objects put `{` or `,` before each member.
#[derive(Debug)]
pub struct JsonWriter<'a> {
    buf: &'a mut Vec<u8>,
    /// What goes before the next member: `{` for the first of an object, then `,`.
    sep: u8,
}

/// What [`JsonWriter::begin_object`] returns and [`JsonWriter::end_object`] takes back.
#[derive(Debug)]
pub struct ObjectState(u8);

/// Messages that write themselves as JSON (generated with the `json` option; the
/// well-known types go through their `Serialize` impls).
pub trait JsonWrite {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), Error>;
}

impl<T: JsonWrite + ?Sized> JsonWrite for &T {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        (**self).write_json(w)
    }
}

impl<T: JsonWrite> JsonWrite for Box<T> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        (**self).write_json(w)
    }
}

/// Bytes that need an escape inside a JSON string.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of the eight bytes of `word` needs an escape (SWAR: a byte below 0x20,
/// or equal to `"` or `\`; bytes of multi-byte UTF-8 have the high bit and never match).
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact "any byte below n" and "any zero byte" tests (n <= 0x80).
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    (below_space | quote | backslash) != 0
}

impl<'a> JsonWriter<'a> {
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        JsonWriter { buf, sep: b'{' }
    }

    /// The bytes written so far (what serde-based fallbacks append to).
    pub fn buf(&mut self) -> &mut Vec<u8> {
        self.buf
    }

    pub fn begin_object(&mut self) -> ObjectState {
        ObjectState(core::mem::replace(&mut self.sep, b'{'))
    }

    pub fn end_object(&mut self, state: ObjectState) {
        if self.sep == b'{' {
            self.buf.push(b'{');
        }
        self.buf.push(b'}');
        self.sep = state.0;
    }

    /// Starts a member: `quoted_key` is the key with its quotes and colon (`"name":`),
    /// already escaped.
    #[inline]
    pub fn key(&mut self, quoted_key: &[u8]) {
        self.buf.push(self.sep);
        self.sep = b',';
        self.buf.extend_from_slice(quoted_key);
    }

    /// Starts a member whose key is only known at run time.
    pub fn dynamic_key(&mut self, key: &str) {
        self.buf.push(self.sep);
        self.sep = b',';
        self.string(key);
        self.buf.push(b':');
    }

    /// A JSON string: runs without escapes are copied whole.
    pub fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.buf.reserve(bytes.len() + 2);
        self.buf.push(b'"');
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            // Eight bytes at a time while none needs an escape (the common case).
            if let Some(chunk) = bytes.get(i..i + 8) {
                let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                if !word_needs_escape(word) {
                    i += 8;
                    continue;
                }
            }
            let b = bytes[i];
            i += 1;
            if !needs_escape(b) {
                continue;
            }
            self.buf.extend_from_slice(&bytes[start..i - 1]);
            match b {
                b'"' => self.buf.extend_from_slice(b"\\\""),
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                0x08 => self.buf.extend_from_slice(b"\\b"),
                0x0c => self.buf.extend_from_slice(b"\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.buf.extend_from_slice(b"\\u00");
                    self.buf.push(HEX[usize::from(b >> 4)]);
                    self.buf.push(HEX[usize::from(b & 15)]);
                }
            }
            start = i;
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
    }

    /// Text known to need no escapes (digits, enum names), quoted.
    #[inline]
    pub fn plain_string(&mut self, s: &str) {
        self.buf.push(b'"');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(b'"');
    }

    /// Raw JSON text (numbers, `true`, `null`).
    #[inline]
    pub fn raw(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        if v.is_finite() {
            self.raw(zmij::Buffer::new().format_finite(v));
        } else {
            self.non_finite(v);
        }
    }

    pub fn f32(&mut self, v: f32) {
        if v.is_finite() {
            self.raw(zmij::Buffer::new().format_finite(v));
        } else {
            self.non_finite(f64::from(v));
        }
    }

    fn non_finite(&mut self, v: f64) {
        self.raw(if v.is_nan() {
            "\"NaN\""
        } else if v > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    }

    pub fn bytes(&mut self, v: &[u8]) {
        use std::io::Write as _;
        self.buf.push(b'"');
        write!(self.buf, "{}", Base64(v)).expect("writing to a Vec cannot fail");
        self.buf.push(b'"');
    }

    /// A value through its `Serialize` impl (the well-known types, extensions).
    pub fn serde<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.buf, value)
    }

    /// A JSON array of `values`, each written by `write`.
    pub fn list<T>(
        &mut self,
        values: &[T],
        mut write: impl FnMut(&T, &mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.buf.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            write(v, self)?;
        }
        self.buf.push(b']');
        Ok(())
    }

    /// A JSON object of a map field's entries, values written by `write`.
    pub fn map<K: MapKey, V>(
        &mut self,
        map: &HashMap<K, V>,
        mut write: impl FnMut(&V, &mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.buf.push(b'{');
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            k.write_key(self);
            self.buf.push(b':');
            write(v, self)?;
        }
        self.buf.push(b'}');
        Ok(())
    }

    /// Writes the registered extensions present in `unknown` as `"[name]": value`.
    pub fn extensions(
        &mut self,
        extendee: &str,
        unknown: &crate::UnknownFields,
    ) -> Result<(), Error> {
        let Some(registry) = super::registry() else {
            return Ok(());
        };
        for ext in registry.extensions_of(extendee) {
            if let Some(value) = (ext.to_json)(ext.number, unknown).map_err(Error::custom)? {
                self.dynamic_key(&format!("[{}]", ext.name));
                self.serde(&value)?;
            }
        }
        Ok(())
    }
}

/// 64-bit integers as quoted decimal.
pub(crate) fn quoted_decimal(w: &mut JsonWriter<'_>, value: i128) {
    let mut buf = [0u8; 20];
    w.plain_string(super::codec::decimal(value, &mut buf));
}

/// Integers that JSON carries as numbers.
pub(crate) fn decimal(w: &mut JsonWriter<'_>, value: i128) {
    let mut buf = [0u8; 20];
    w.raw(super::codec::decimal(value, &mut buf));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "",
            "plain",
            "q\"b\\",
            "\n\r\t\u{8}\u{c}\u{1}\u{1f}",
            "é✓",
            "a long run of plain text, then \"a quote\" and a \\ and a \n newline!",
            "12345678\"2345678\\2345678\u{7f}\u{0}é✓ and more text after it",
        ] {
            let mut buf = Vec::new();
            JsonWriter::new(&mut buf).string(s);
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn word_check_agrees_with_the_byte_check() {
        let interesting = [
            0u8, 0x1f, 0x20, b'"', b'\\', b'a', 0x7f, 0x80, 0xc3, 0xff, b'!', b'#',
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bytes: [u8; 8] = core::array::from_fn(|i| {
                interesting[((state >> (i * 5)) % interesting.len() as u64) as usize]
            });
            let word = u64::from_le_bytes(bytes);
            assert_eq!(
                word_needs_escape(word),
                bytes.iter().any(|&b| needs_escape(b)),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn objects_place_separators() {
        let mut buf = Vec::new();
        let mut w = JsonWriter::new(&mut buf);
        let outer = w.begin_object();
        w.key(b"\"a\":");
        let inner = w.begin_object();
        w.end_object(inner);
        w.key(b"\"b\":");
        w.f64(1.5);
        w.end_object(outer);
        let empty = w.begin_object();
        w.end_object(empty);
        assert_eq!(buf, b"{\"a\":{},\"b\":1.5}{}");
    }
}
