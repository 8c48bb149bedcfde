//! The one option set: plugin parameters, the [`crate::Config`] builder and the
//! `(rsfast.file)` / `(rsfast.message)` / `(rsfast.field)` options of `.proto` files
//! (declared in `proto/rsfast/options.proto`) all go through [`Options::set`], so names,
//! values and errors are the same everywhere. The model applies the scopes in order:
//! parameters, file, message (and the messages around it), field; the narrowest wins.

use crate::descriptor::rsfast::Options as ProtoOptions;
use crate::Error;

/// Generation options, as resolved for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Keep fields the schema does not know and re-emit them on encode (default: true).
    pub unknown_fields: bool,
    /// Derive `Eq`, and `Hash`, where the fields allow it (default: false).
    pub eq: bool,
    /// How `eq` treats float fields.
    pub float_eq: FloatEq,
    /// A readable hand-written `Debug` instead of the derived one (default: false).
    pub debug: bool,
    /// The Rust type of `bytes` fields.
    pub bytes: BytesType,
    /// The Rust type of `string` fields.
    pub string: StringType,
    /// The Rust type of `map` fields.
    pub map: MapType,
    /// `(path, attribute)`: an attribute for every message, enum or oneof whose full
    /// name matches the path (prost-build's rule: see [`crate::Config::type_attribute`]).
    pub type_attributes: Vec<(String, String)>,
    /// `(path, attribute)`: an attribute for every field whose full name matches.
    pub field_attributes: Vec<(String, String)>,
    /// Implement `rsfast::populate::Populate` and `arbitrary::Arbitrary` (default: false).
    pub populate: bool,
    /// Generate round-trip tests for every message (default: false).
    pub tests: bool,
    /// Write a criterion benchmark file per package (default: false).
    pub benches: bool,
    /// Generate tonic client and server modules for the services (default: false).
    pub grpc: bool,
    /// Embed each package's encoded `FileDescriptorSet` (its files and their imports) as
    /// `FILE_DESCRIPTOR_SET`, for gRPC server reflection (default: false).
    pub file_descriptor_set: bool,
    /// Generate serde `Serialize`/`Deserialize` (the canonical JSON mapping) and a
    /// per-package `register_json_types` (default: false).
    pub json: bool,
    /// Generate the text format (`rsfast::text::TextMessage`) and a per-package
    /// `register_text_types` (default: false).
    pub text: bool,
}

/// How messages with float fields implement `eq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatEq {
    /// Floats compare as floats (`NaN != NaN`): such messages get `PartialEq` only.
    Partial,
    /// Floats compare and hash by bit pattern (`NaN == NaN` with the same bits,
    /// `0.0 != -0.0`): such messages get `Eq` and `Hash` too.
    Bitwise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesType {
    /// `Vec<u8>`.
    Vec,
    /// `bytes::Bytes` (through `rsfast::bytes`): decoding from a `Bytes` with
    /// `Message::decode_bytes` slices the input instead of copying.
    Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringType {
    /// `String`.
    String,
    /// `rsfast::BytesString`: UTF-8 in a `bytes::Bytes`; decoding from a `Bytes` with
    /// `Message::decode_bytes` slices the input instead of copying.
    Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapType {
    /// `std::collections::HashMap`.
    HashMap,
    /// `std::collections::BTreeMap`: ordered, so encoding is deterministic.
    BTreeMap,
}

/// Where an option is set, for checking that it means something there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Parameter,
    File,
    Message,
    Field,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::Parameter => "a plugin parameter",
            Scope::File => "a file",
            Scope::Message => "a message",
            Scope::Field => "a field",
        }
    }
}

/// One option: its name, where it may be set, its values and what it does.
#[derive(Debug)]
pub struct OptionKey {
    pub name: &'static str,
    /// The narrowest scope it may be set at: `Parameter` for parameters (and `Config`)
    /// only; `attribute`, on a message or field only, is the exception.
    pub narrowest: Scope,
    pub values: &'static str,
    pub meaning: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unknown_fields: true,
            eq: false,
            float_eq: FloatEq::Partial,
            debug: false,
            bytes: BytesType::Vec,
            string: StringType::String,
            map: MapType::HashMap,
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
            populate: false,
            tests: false,
            benches: false,
            grpc: false,
            file_descriptor_set: false,
            json: false,
            text: false,
        }
    }
}

impl Options {
    /// Every option: what `--help`, error messages and the README list.
    pub const KEYS: &'static [OptionKey] = &[
        OptionKey {
            name: "preset",
            narrowest: Scope::Message,
            values: "fast | faster | slick",
            meaning: "fast: defaults; faster: unknown_fields=false; slick: faster + eq + debug",
        },
        OptionKey {
            name: "unknown_fields",
            narrowest: Scope::Message,
            values: "true | false (default true)",
            meaning: "keep unknown fields and re-emit them on encode",
        },
        OptionKey {
            name: "eq",
            narrowest: Scope::Message,
            values: "true | false (default false)",
            meaning: "derive Eq, and Hash, where the fields allow it (PartialEq is always derived)",
        },
        OptionKey {
            name: "float_eq",
            narrowest: Scope::Message,
            values: "partial | bitwise (default partial)",
            meaning: "with eq: messages with floats get PartialEq only, or Eq and Hash comparing bit patterns",
        },
        OptionKey {
            name: "debug",
            narrowest: Scope::Message,
            values: "true | false (default false)",
            meaning: "readable Debug: bytes as escaped strings, unset optional fields left out",
        },
        OptionKey {
            name: "bytes",
            narrowest: Scope::Field,
            values: "vec | bytes (default vec)",
            meaning: "bytes fields as Vec<u8> or bytes::Bytes (zero-copy with Message::decode_bytes)",
        },
        OptionKey {
            name: "string",
            narrowest: Scope::Field,
            values: "string | bytes (default string)",
            meaning: "string fields as String or rsfast::BytesString (UTF-8 in bytes::Bytes: zero-copy with Message::decode_bytes)",
        },
        OptionKey {
            name: "map",
            narrowest: Scope::Field,
            values: "hash_map | btree_map (default hash_map)",
            meaning: "map fields as HashMap or BTreeMap (ordered: deterministic encoding)",
        },
        OptionKey {
            name: "type_attribute",
            narrowest: Scope::Parameter,
            values: "PATH=#[attribute]",
            meaning: "an attribute on the messages, enums and oneofs matching PATH (.pkg.Msg, or . for all)",
        },
        OptionKey {
            name: "field_attribute",
            narrowest: Scope::Parameter,
            values: "PATH=#[attribute]",
            meaning: "an attribute on the fields matching PATH (.pkg.Msg.field)",
        },
        OptionKey {
            name: "attribute",
            narrowest: Scope::Field,
            values: "#[attribute] (in .proto files only)",
            meaning: "an attribute on this message or field",
        },
        OptionKey {
            name: "populate",
            narrowest: Scope::File,
            values: "true | false (default false)",
            meaning: "implement rsfast::populate::Populate and arbitrary::Arbitrary (rsfast feature `populate`)",
        },
        OptionKey {
            name: "tests",
            narrowest: Scope::File,
            values: "true | false (default false)",
            meaning: "round-trip tests for every message (rsfast feature `testgen` in dev-dependencies)",
        },
        OptionKey {
            name: "benches",
            narrowest: Scope::File,
            values: "true | false (default false)",
            meaning: "write <package>.benches.rs: criterion benchmarks of every message",
        },
        OptionKey {
            name: "grpc",
            narrowest: Scope::File,
            values: "true | false (default false)",
            meaning: "generate tonic client and server code for services",
        },
        OptionKey {
            name: "file_descriptor_set",
            narrowest: Scope::Parameter,
            values: "true | false (default false)",
            meaning: "embed the package's encoded FileDescriptorSet (with imports) as FILE_DESCRIPTOR_SET",
        },
        OptionKey {
            name: "json",
            narrowest: Scope::Parameter,
            values: "true | false (default false)",
            meaning: "serde Serialize/Deserialize for the canonical JSON mapping, and register_json_types (rsfast feature `json`)",
        },
        OptionKey {
            name: "text",
            narrowest: Scope::Parameter,
            values: "true | false (default false)",
            meaning: "the protobuf text format (print and parse), and register_text_types (rsfast feature `text`)",
        },
    ];

    /// Parses a plugin parameter string: comma-separated `key=value` or bare `key`
    /// (meaning `key=true`).
    pub fn parse(parameter: &str) -> Result<Self, Error> {
        let mut options = Options::default();
        options.apply(parameter)?;
        Ok(options)
    }

    /// Applies a parameter string on top of these options. Commas inside brackets,
    /// parentheses or quotes do not split (`type_attribute=.=#[derive(Eq, Hash)]`).
    pub fn apply(&mut self, parameter: &str) -> Result<(), Error> {
        for item in split_items(parameter) {
            let (key, value) = item.split_once('=').unwrap_or((item, "true"));
            self.set(key.trim(), value.trim()).map_err(Error::new)?;
        }
        Ok(())
    }

    /// Sets one option by name, as written in a plugin parameter.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        self.set_in(Scope::Parameter, key, value)
    }

    /// Sets one option at `scope`; the error names the option (the caller adds where).
    fn set_in(&mut self, scope: Scope, key: &str, value: &str) -> Result<(), String> {
        let Some(spec) = Self::KEYS.iter().find(|k| k.name == key) else {
            let known: Vec<&str> = Self::KEYS.iter().map(|k| k.name).collect();
            return Err(format!(
                "unknown option {key:?} (known: {})",
                known.join(", ")
            ));
        };
        let allowed = match spec.narrowest {
            Scope::Parameter => scope == Scope::Parameter,
            Scope::File => matches!(scope, Scope::Parameter | Scope::File),
            Scope::Message => scope != Scope::Field,
            Scope::Field => true,
        };
        // `attribute` belongs to one message or field: .proto files only.
        let misplaced_attribute =
            key == "attribute" && matches!(scope, Scope::Parameter | Scope::File);
        if !allowed || misplaced_attribute {
            return Err(format!("option {key} cannot be set on {}", scope.name()));
        }
        let bad = || {
            format!(
                "option {key}: expected {}, got {value:?}",
                spec.values
                    .split(" (")
                    .next()
                    .unwrap_or(spec.values)
                    .replace(" | ", " or ")
            )
        };
        let flag = || match value {
            "true" | "on" | "yes" => Ok(true),
            "false" | "off" | "no" => Ok(false),
            _ => Err(bad()),
        };
        match key {
            "preset" => match value {
                "fast" => self.unknown_fields = true,
                "faster" => self.unknown_fields = false,
                "slick" => {
                    self.unknown_fields = false;
                    self.eq = true;
                    self.debug = true;
                }
                _ => return Err(bad()),
            },
            "unknown_fields" => self.unknown_fields = flag()?,
            "eq" => self.eq = flag()?,
            "float_eq" => {
                self.float_eq = match value {
                    "partial" => FloatEq::Partial,
                    "bitwise" => FloatEq::Bitwise,
                    _ => return Err(bad()),
                }
            }
            "debug" => self.debug = flag()?,
            "bytes" => {
                self.bytes = match value {
                    "vec" => BytesType::Vec,
                    "bytes" => BytesType::Bytes,
                    _ => return Err(bad()),
                }
            }
            "string" => {
                self.string = match value {
                    "string" => StringType::String,
                    "bytes" => StringType::Bytes,
                    _ => return Err(bad()),
                }
            }
            "map" => {
                self.map = match value {
                    "hash_map" => MapType::HashMap,
                    "btree_map" => MapType::BTreeMap,
                    _ => return Err(bad()),
                }
            }
            "type_attribute" | "field_attribute" => {
                let (path, attribute) = value.split_once('=').ok_or_else(bad)?;
                check_attribute(attribute)?;
                let entry = (path.trim().to_owned(), attribute.trim().to_owned());
                if key == "type_attribute" {
                    self.type_attributes.push(entry);
                } else {
                    self.field_attributes.push(entry);
                }
            }
            // Attributes of one message or field are read by the model, not inherited.
            "attribute" => check_attribute(value)?,
            "populate" => self.populate = flag()?,
            "tests" => self.tests = flag()?,
            "benches" => self.benches = flag()?,
            "grpc" => self.grpc = flag()?,
            "file_descriptor_set" => self.file_descriptor_set = flag()?,
            "json" => self.json = flag()?,
            "text" => self.text = flag()?,
            _ => unreachable!("every key in KEYS is handled"),
        }
        Ok(())
    }

    /// These options with a `.proto` file's `(rsfast.file)`, `(rsfast.message)` or
    /// `(rsfast.field)` applied: the preset first, then each option that is set.
    pub(crate) fn with_proto(
        &self,
        proto: Option<&ProtoOptions>,
        scope: Scope,
    ) -> Result<Options, String> {
        let mut options = self.clone();
        let Some(p) = proto else {
            return Ok(options);
        };
        let text = |b: bool| if b { "true" } else { "false" };
        let settings = [
            ("preset", p.preset.as_deref()),
            ("unknown_fields", p.unknown_fields_.map(text)),
            ("eq", p.eq.map(text)),
            ("float_eq", p.float_eq.as_deref()),
            ("debug", p.debug.map(text)),
            ("bytes", p.bytes.as_deref()),
            ("string", p.string.as_deref()),
            ("map", p.map.as_deref()),
            ("populate", p.populate.map(text)),
            ("tests", p.tests.map(text)),
            ("benches", p.benches.map(text)),
            ("grpc", p.grpc.map(text)),
        ];
        for (key, value) in settings {
            if let Some(value) = value {
                options.set_in(scope, key, value)?;
            }
        }
        for attribute in &p.attribute {
            options.set_in(scope, "attribute", attribute)?;
        }
        Ok(options)
    }

    /// The attributes for the type or field with full proto name `full_name` (no
    /// leading dot) out of `rules`.
    pub(crate) fn matching<'r>(
        rules: &'r [(String, String)],
        full_name: &str,
    ) -> impl Iterator<Item = &'r str> + 'r {
        let full_name = full_name.to_owned();
        rules
            .iter()
            .filter(move |(path, _)| path_matches(path, &full_name))
            .map(|(_, attribute)| attribute.as_str())
    }
}

/// prost-build's rule: `.` matches everything, `.pkg.Msg` matches that name and all
/// below it (`.pkg.Msg.field`, `.pkg.Msg.Nested`), and a path without a leading dot
/// matches full names ending in it (`Msg.field`).
pub fn path_matches(path: &str, full_name: &str) -> bool {
    if path == "." {
        return true;
    }
    match path.strip_prefix('.') {
        Some(prefix) => {
            full_name == prefix
                || full_name
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        }
        None => {
            full_name == path
                || full_name
                    .strip_suffix(path)
                    .is_some_and(|rest| rest.ends_with('.'))
        }
    }
}

/// An attribute must parse as one or more outer attributes (`#[...]`).
fn check_attribute(text: &str) -> Result<(), String> {
    use syn::parse::Parser as _;
    match syn::Attribute::parse_outer.parse_str(text) {
        Ok(attrs) if !attrs.is_empty() => Ok(()),
        Ok(_) => Err(format!("attribute {text:?}: expected #[...]")),
        Err(e) => Err(format!("attribute {text:?}: {e}")),
    }
}

/// Splits a parameter string at the commas outside brackets and quotes.
fn split_items(parameter: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in parameter.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth <= 0 => {
                items.push(&parameter[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&parameter[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_then_overrides() {
        let o = Options::parse("preset=slick,debug=false").unwrap();
        assert!(!o.unknown_fields && o.eq && !o.debug);
        let o = Options::parse("unknown_fields=false,preset=fast").unwrap();
        assert!(o.unknown_fields);
    }

    #[test]
    fn attributes_keep_their_commas() {
        let o = Options::parse(
            "type_attribute=.pkg=#[derive(Eq, Hash)],field_attribute=Msg.id=#[doc = \"a, b\"],eq",
        )
        .unwrap();
        assert_eq!(
            o.type_attributes,
            [(".pkg".to_owned(), "#[derive(Eq, Hash)]".to_owned())]
        );
        assert_eq!(o.field_attributes[0].1, "#[doc = \"a, b\"]");
        assert!(o.eq);
        assert!(Options::parse("type_attribute=.pkg=derive(Eq)").is_err());
    }

    #[test]
    fn bad_values_name_the_option() {
        let e = Options::parse("bytes=slice").unwrap_err().to_string();
        assert_eq!(e, "option bytes: expected vec or bytes, got \"slice\"");
        let e = Options::parse("string=str").unwrap_err().to_string();
        assert_eq!(e, "option string: expected string or bytes, got \"str\"");
        let e = Options::parse("map=tree").unwrap_err().to_string();
        assert!(
            e.contains("option map: expected hash_map or btree_map"),
            "{e}"
        );
        assert!(Options::parse("nope")
            .unwrap_err()
            .to_string()
            .contains("unknown option"));
    }

    #[test]
    fn scopes_are_checked() {
        let proto = ProtoOptions {
            tests: Some(true),
            ..Default::default()
        };
        let e = Options::default()
            .with_proto(Some(&proto), Scope::Message)
            .unwrap_err();
        assert_eq!(e, "option tests cannot be set on a message");
        let proto = ProtoOptions {
            bytes: Some("bytes".into()),
            ..Default::default()
        };
        let o = Options::default()
            .with_proto(Some(&proto), Scope::Field)
            .unwrap();
        assert_eq!(o.bytes, BytesType::Bytes);
        let proto = ProtoOptions {
            string: Some("bytes".into()),
            ..Default::default()
        };
        let o = Options::default()
            .with_proto(Some(&proto), Scope::Field)
            .unwrap();
        assert_eq!(o.string, StringType::Bytes);
    }

    #[test]
    fn attributes_have_their_places() {
        let proto = ProtoOptions {
            attribute: vec!["#[doc(hidden)]".into()],
            ..Default::default()
        };
        let e = Options::default()
            .with_proto(Some(&proto), Scope::File)
            .unwrap_err();
        assert_eq!(e, "option attribute cannot be set on a file");
        assert!(Options::default()
            .with_proto(Some(&proto), Scope::Message)
            .is_ok());
        assert!(Options::parse("attribute=#[doc(hidden)]").is_err());
    }

    #[test]
    fn paths_match_like_prost() {
        assert!(path_matches(".", "a.B"));
        assert!(path_matches(".a", "a.B.c"));
        assert!(!path_matches(".a", "ab.B"));
        assert!(path_matches("B.c", "a.B.c"));
        assert!(!path_matches("B.c", "a.AB.c"));
    }
}
