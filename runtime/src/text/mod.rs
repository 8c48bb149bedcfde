//! The protobuf text format (feature `text`): print and parse.
//!
//! Code generated with the `text` option implements [`TextMessage`] for every message:
//! fields printed by name, parsed by matching names, no reflection. Bracketed names
//! resolve through a [`Registry`]: `[pkg.ext]` extensions (kept encoded in the
//! extendee's unknown fields) and `[type.googleapis.com/pkg.Msg] { ... }` expanded
//! `Any` values.
//!
//! ```ignore
//! let text = rsfast::text::to_string(&msg);
//! let back: MyMessage = rsfast::text::from_str(&text)?;
//! ```

pub mod codec;
mod parser;
mod printer;
mod registry;

use std::fmt;
use std::sync::OnceLock;

pub use codec::TextCodec;
pub use parser::{FieldName, Parser};
pub use printer::{escape_bytes, escape_str, format_f32, format_f64, Printer};
pub use registry::Registry;

/// What generated code implements (with the `text` option).
pub trait TextMessage: crate::Name {
    /// Prints the fields that are set, in field-number order (extensions and, if the
    /// printer asks, unknown fields last).
    fn print_text(&self, p: &mut Printer<'_>);
    /// Parses the value of field `name` into `self`; `Ok(false)` if there is no such
    /// field.
    fn merge_text_field(
        &mut self,
        p: &mut Parser<'_>,
        name: &FieldName<'_>,
    ) -> Result<bool, TextError>;
}

/// What generated enums implement (with the `text` option): lookup by name.
pub trait TextEnum: crate::Enum {
    fn from_name(name: &str) -> Option<Self>;
}

/// A parse error, with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl TextError {
    /// Prefixes the message with the field it happened in (outermost first).
    pub fn in_field(mut self, field: &str) -> Self {
        self.message = format!("{field}: {}", self.message);
        self
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for TextError {}

/// Print and parse options.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions<'a> {
    registry: Option<&'a Registry>,
    print_unknown_fields: bool,
}

impl<'a> TextOptions<'a> {
    pub fn new() -> Self {
        TextOptions::default()
    }

    /// The message types `Any` may hold and the extensions known by name (default:
    /// the well-known types only).
    pub fn registry(mut self, registry: &'a Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Print unknown fields by number (default: they are left out). Parsing never
    /// accepts field numbers.
    pub fn print_unknown_fields(mut self, print: bool) -> Self {
        self.print_unknown_fields = print;
        self
    }

    fn resolved_registry(&self) -> &'a Registry {
        static WELL_KNOWN: OnceLock<Registry> = OnceLock::new();
        self.registry
            .unwrap_or_else(|| WELL_KNOWN.get_or_init(Registry::new))
    }
}

/// `message` in the text format.
pub fn to_string<M: TextMessage>(message: &M) -> String {
    to_string_with(message, &TextOptions::new())
}

/// [`to_string`] with options.
pub fn to_string_with<M: TextMessage>(message: &M, options: &TextOptions<'_>) -> String {
    let mut printer = Printer::new(options.resolved_registry(), options.print_unknown_fields);
    message.print_text(&mut printer);
    printer.finish()
}

/// Parses a message from the text format; required fields must be set.
pub fn from_str<M: TextMessage + crate::Message + Default>(text: &str) -> Result<M, TextError> {
    from_str_with(text, &TextOptions::new())
}

/// [`from_str`] with options.
pub fn from_str_with<M: TextMessage + crate::Message + Default>(
    text: &str,
    options: &TextOptions<'_>,
) -> Result<M, TextError> {
    let mut message = M::default();
    merge_with(&mut message, text, options)?;
    message.check_initialized().map_err(|e| {
        let parser = Parser::new(text, options.resolved_registry());
        parser.error_at(text.len(), format!("missing required field: {e}"))
    })?;
    Ok(message)
}

/// Merges the fields in `text` into `message`.
pub fn merge_with<M: TextMessage>(
    message: &mut M,
    text: &str,
    options: &TextOptions<'_>,
) -> Result<(), TextError> {
    let mut parser = Parser::new(text, options.resolved_registry());
    parser.merge_fields(message, None)
}

/// Generated code for `google.protobuf.Any` calls this to print an `Any` whose type is
/// registered as `[type_url] { ... }`; `false` if it is not (print the fields then).
pub fn print_any(type_url: &str, value: &[u8], p: &mut Printer<'_>) -> bool {
    let name = type_url.rsplit_once('/').map_or(type_url, |(_, n)| n);
    let Some(entry) = p.registry().message(name) else {
        return false;
    };
    (entry.print)(value, &format!("[{type_url}]"), p).is_ok()
}

/// Generated code for `google.protobuf.Any` calls this for a bracketed field name:
/// `[prefix/full.Name] { ... }` is parsed as a `full.Name` message, encoded into
/// `value`. `Ok(false)` if `name` is not a type URL.
pub fn merge_any(
    type_url: &mut String,
    value: &mut Vec<u8>,
    name: &str,
    p: &mut Parser<'_>,
) -> Result<bool, TextError> {
    let Some((_, full_name)) = name.rsplit_once('/') else {
        return Ok(false);
    };
    let start = p.position();
    let Some(entry) = p.registry().message(full_name) else {
        return Err(p.error_at(start, format!("Any: unknown message type {full_name:?}")));
    };
    // The expanded form sets both fields: neither may be given again.
    p.set_once("type_url", "field")?;
    p.set_once("value", "field")?;
    p.consume(b':');
    *value = (entry.parse)(p).map_err(|e| e.in_field(&format!("[{name}]")))?;
    *type_url = name.to_owned();
    Ok(true)
}

/// Generated code for extendable messages calls this for a bracketed field name: a
/// registered extension of `extendee` is parsed into `storage`.
pub fn merge_extension(
    extendee: &str,
    storage: &mut crate::UnknownFields,
    name: &str,
    p: &mut Parser<'_>,
) -> Result<bool, TextError> {
    let Some(ext) = p.registry().extension_by_name(extendee, name) else {
        return Ok(false);
    };
    (ext.parse)(ext.number, ext.name, p, storage).map_err(|e| e.in_field(&format!("[{name}]")))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wkt;

    #[test]
    fn every_byte_survives_escaping() {
        let all = wkt::BytesValue::from((0..=255).collect::<Vec<u8>>());
        let printed = to_string(&all);
        assert!(printed.is_ascii(), "{printed}");
        assert_eq!(from_str::<wkt::BytesValue>(&printed).unwrap(), all);
        let s = wkt::StringValue::from("\0\x01\x7f\"'\\\n\r\t é 😀 \u{10ffff}");
        assert_eq!(from_str::<wkt::StringValue>(&to_string(&s)).unwrap(), s);
    }

    #[test]
    fn floats_print_shortest_and_read_back_exactly() {
        let doubles = [
            0.1,
            -1.5e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            123456789.0,
            1e22,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for v in doubles {
            let printed = to_string(&wkt::DoubleValue::from(v));
            assert_eq!(
                from_str::<wkt::DoubleValue>(&printed).unwrap().value,
                v,
                "{printed}"
            );
        }
        for v in [
            0.1f32,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
            3.192837,
            -16777217.0,
        ] {
            let printed = to_string(&wkt::FloatValue::from(v));
            assert_eq!(
                from_str::<wkt::FloatValue>(&printed).unwrap().value,
                v,
                "{printed}"
            );
        }
        assert_eq!(to_string(&wkt::DoubleValue::from(0.1)), "value: 0.1\n");
        assert_eq!(to_string(&wkt::FloatValue::from(f32::NAN)), "value: nan\n");
    }

    #[test]
    fn any_of_a_well_known_type_expands_without_a_registry() {
        let any = wkt::Any::pack(&wkt::Duration {
            seconds: 3,
            nanos: 4,
            ..Default::default()
        });
        let printed = to_string(&any);
        assert_eq!(
            printed,
            "[type.googleapis.com/google.protobuf.Duration] {\n  seconds: 3\n  nanos: 4\n}\n"
        );
        assert_eq!(from_str::<wkt::Any>(&printed).unwrap(), any);
        // The expanded form and the raw fields exclude each other.
        let both = format!("type_url: 'x/y' {printed}");
        assert!(from_str::<wkt::Any>(&both)
            .unwrap_err()
            .message
            .contains("more than once"));
        // A type URL the registry does not know prints as the raw fields.
        let unknown = wkt::Any {
            type_url: "example.com/x.Y".to_owned(),
            value: vec![8, 1],
            ..Default::default()
        };
        assert_eq!(
            to_string(&unknown),
            "type_url: \"example.com/x.Y\"\nvalue: \"\\010\\001\"\n"
        );
    }

    #[test]
    fn recursive_oneofs_and_maps_round_trip() {
        let list = wkt::ListValue {
            values: vec![
                wkt::Value {
                    kind: Some(wkt::value::Kind::NumberValue(1.5)),
                    ..Default::default()
                },
                wkt::Value {
                    kind: Some(wkt::value::Kind::BoolValue(true)),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let mut inner = wkt::Struct::default();
        inner.fields.insert(
            "list".to_owned(),
            wkt::Value {
                kind: Some(wkt::value::Kind::ListValue(list)),
                ..Default::default()
            },
        );
        let mut outer = wkt::Struct::default();
        outer.fields.insert(
            "inner".to_owned(),
            wkt::Value {
                kind: Some(wkt::value::Kind::StructValue(inner)),
                ..Default::default()
            },
        );
        outer.fields.insert(
            "null".to_owned(),
            wkt::Value {
                kind: Some(wkt::value::Kind::NullValue(crate::OpenEnum::from_i32(0))),
                ..Default::default()
            },
        );
        let printed = to_string(&outer);
        assert!(printed.contains("null_value: NULL_VALUE"), "{printed}");
        assert_eq!(from_str::<wkt::Struct>(&printed).unwrap(), outer);
    }

    #[test]
    fn errors_point_at_line_and_column_in_characters() {
        let err = from_str::<wkt::StringValue>("# é\nvalue: 'é' value: 'x'").unwrap_err();
        assert_eq!((err.line, err.column), (2, 12), "{err}");
        assert_eq!(err.to_string(), "2:12: field value is set more than once");
    }
}
