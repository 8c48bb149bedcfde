//! The text format printer: one field per line, nested messages indented by two
//! spaces, strings escaped so that every output parses back to the same message.

use std::fmt::Write as _;

use super::{Registry, TextCodec, TextMessage};
use crate::wire::WireType;
use crate::{Reader, UnknownFields};

/// Output being built, with the printing options.
pub struct Printer<'a> {
    out: String,
    indent: usize,
    registry: &'a Registry,
    print_unknown_fields: bool,
}

impl std::fmt::Debug for Printer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("out", &self.out).finish()
    }
}

impl<'a> Printer<'a> {
    pub fn new(registry: &'a Registry, print_unknown_fields: bool) -> Self {
        Printer {
            out: String::new(),
            indent: 0,
            registry,
            print_unknown_fields,
        }
    }

    pub fn registry(&self) -> &'a Registry {
        self.registry
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Starts a line with the field name `name`.
    pub fn name(&mut self, name: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(name);
    }

    /// The rest of a scalar line: `: value` and the newline.
    pub fn scalar(&mut self, value: impl std::fmt::Display) {
        let _ = writeln!(self.out, ": {value}");
    }

    /// The rest of a message line: ` {`, the fields printed by `fields`, and `}`.
    pub fn nested(&mut self, fields: impl FnOnce(&mut Self)) {
        self.out.push_str(" {\n");
        self.indent += 1;
        fields(self);
        self.indent -= 1;
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str("}\n");
    }

    /// One field of codec `C`.
    pub fn field<C: TextCodec>(&mut self, name: &str, value: &C::Value) {
        self.name(name);
        C::print(value, self);
    }

    /// Every value of a repeated field, one line each.
    pub fn repeated<C: TextCodec>(&mut self, name: &str, values: &[C::Value]) {
        for value in values {
            self.field::<C>(name, value);
        }
    }

    /// A map field, one entry message per key, sorted by key.
    pub fn map<K, V, S>(
        &mut self,
        name: &str,
        map: &std::collections::HashMap<K::Value, V::Value, S>,
    ) where
        K: TextCodec,
        V: TextCodec,
        K::Value: Ord,
    {
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in entries {
            self.name(name);
            self.nested(|p| {
                p.field::<K>("key", key);
                p.field::<V>("value", value);
            });
        }
    }

    /// The fields of `message` inside braces.
    pub fn message<M: TextMessage>(&mut self, message: &M) {
        self.nested(|p| message.print_text(p));
    }

    /// The unknown fields of a message, when the options ask for them.
    pub fn unknown_fields(&mut self, unknown: &UnknownFields) {
        if self.print_unknown_fields {
            self.unknown_records(unknown.as_bytes(), 0);
        }
    }

    /// The unknown fields of an extendable message: registered extensions by name,
    /// the other records (when the options ask for them) by number.
    pub fn extensions_and_unknown_fields(&mut self, extendee: &str, storage: &UnknownFields) {
        let registry = self.registry;
        let mut printed = Vec::new();
        let mut rest = UnknownFields::new();
        for (tag, value) in storage.records() {
            let number = crate::wire::field_number(tag);
            match registry.extension_by_number(extendee, number) {
                Some(ext) => {
                    if !printed.contains(&number) {
                        printed.push(number);
                        if (ext.print)(number, ext.name, storage, self).is_err() {
                            // A malformed record: keep it visible by number instead.
                            printed.pop();
                            rest.push_raw(tag, value);
                        }
                    }
                }
                None => rest.push_raw(tag, value),
            }
        }
        self.unknown_fields(&rest);
    }

    /// Raw records by field number: varints in decimal, fixed-width values in hex,
    /// length-delimited values as a nested message when they parse as one, else as
    /// a string; groups nested.
    fn unknown_records(&mut self, bytes: &[u8], depth: u32) {
        let mut reader = Reader::new(bytes);
        while let Ok(Some(tag)) = reader.next_tag(0) {
            let number = crate::wire::field_number(tag);
            let Ok(value) = reader.skip_value(tag) else {
                return;
            };
            let mut inner = Reader::new(value);
            self.name(&number.to_string());
            match WireType::of_tag(tag) {
                Some(WireType::Varint) => self.scalar(inner.read_varint64().unwrap_or(0)),
                Some(WireType::Fixed32) => {
                    self.scalar(format_args!("0x{:08x}", inner.read_fixed32().unwrap_or(0)))
                }
                Some(WireType::Fixed64) => {
                    self.scalar(format_args!("0x{:016x}", inner.read_fixed64().unwrap_or(0)))
                }
                Some(WireType::Len) => {
                    let payload = inner.read_bytes().unwrap_or_default();
                    // Past the recursion limit, nested payloads print as strings.
                    if !payload.is_empty() && depth < MAX_UNKNOWN_DEPTH && is_record_set(payload) {
                        self.nested(|p| p.unknown_records(payload, depth + 1));
                    } else {
                        self.scalar(format_args!("\"{}\"", escape_bytes(payload)));
                    }
                }
                // The group's records, its end tag at the end.
                _ => self.nested(|p| p.unknown_records(value, depth + 1)),
            }
        }
    }
}

/// How deep unknown length-delimited payloads are printed as nested messages.
const MAX_UNKNOWN_DEPTH: u32 = crate::DEFAULT_RECURSION_LIMIT;

/// Whether `bytes` is a sequence of well-formed records (so printing it as a nested
/// message loses nothing).
fn is_record_set(bytes: &[u8]) -> bool {
    let mut reader = Reader::new(bytes);
    loop {
        match reader.next_tag(0) {
            Ok(None) => return true,
            Ok(Some(tag)) => {
                if reader.skip_value(tag).is_err() {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
}

/// Bytes as the inside of a double-quoted literal: printable ASCII as is, the rest
/// as three-digit octal escapes.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        push_escaped_byte(&mut out, b);
    }
    out
}

fn push_escaped_byte(out: &mut String, b: u8) {
    match b {
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        b'"' => out.push_str("\\\""),
        b'\'' => out.push_str("\\'"),
        b'\\' => out.push_str("\\\\"),
        0x20..=0x7e => out.push(b as char),
        _ => {
            let _ = write!(out, "\\{b:03o}");
        }
    }
}

/// A string as the inside of a double-quoted literal: non-ASCII characters as they
/// are (the output is UTF-8), control characters escaped.
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            push_escaped_byte(&mut out, c as u8);
        } else {
            out.push(c);
        }
    }
    out
}

/// A double: `inf`, `-inf`, `nan`, or the shortest decimal that reads back the same.
pub fn format_f64(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{v:?}")
    }
}

/// A float: as [`format_f64`], with the shortest decimal for an `f32`.
pub fn format_f32(v: f32) -> String {
    if v.is_nan() || v.is_infinite() {
        format_f64(f64::from(v))
    } else {
        format!("{v:?}")
    }
}
