//! The canonical proto3 JSON mapping (feature `json`), through serde.
//!
//! Code generated with the `json` option implements `serde::Serialize` and
//! `serde::Deserialize` for every message: lowerCamel field names on output, both those
//! and the .proto names on input, 64-bit integers as strings, bytes as base64, enums by
//! name, the well-known types in their special forms (implemented in this module).
//! Any serde format works; the helpers below use `serde_json` and add the parse options
//! and the type registry that `Any` needs.
//!
//! ```
//! use rsfast::json::{self, JsonOptions};
//! use rsfast::wkt::{Duration, Struct};
//! // Generated messages work the same way; here, well-known types.
//! let took: Duration = json::from_str("\"1.5s\"")?;
//! assert_eq!(json::to_string(&took)?, "\"1.500s\"");
//! let lenient = JsonOptions::new().ignore_unknown_fields(true);
//! let attributes: Struct = json::from_str_with(r#"{"a": [1, null]}"#, &lenient)?;
//! assert_eq!(attributes.fields.len(), 1);
//! # Ok::<(), serde_json::Error>(())
//! ```

mod base64;
pub mod codec;
mod registry;
mod wkt;
mod write;

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

pub use codec::{Codec, EnumName};
pub use registry::Registry;
pub use write::{Error, JsonWrite, JsonWriter, ObjectState};

/// Parse and print options. Generated `Deserialize` impls see them through
/// [`from_str_with`] and friends (serde has no other channel for context).
#[derive(Clone, Debug, Default)]
pub struct JsonOptions {
    ignore_unknown_fields: bool,
    registry: Option<Arc<Registry>>,
}

impl JsonOptions {
    pub fn new() -> Self {
        JsonOptions::default()
    }

    /// Skip object members that name no field, and enum names the enum does not declare
    /// (default: they are errors).
    pub fn ignore_unknown_fields(mut self, ignore: bool) -> Self {
        self.ignore_unknown_fields = ignore;
        self
    }

    /// The message types `Any` may hold, beyond the well-known types.
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }
}

thread_local! {
    static OPTIONS: RefCell<Option<JsonOptions>> = const { RefCell::new(None) };
}

/// Runs `f` with `options` visible to the generated code on this thread.
pub fn with_options<T>(options: &JsonOptions, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<JsonOptions>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OPTIONS.with(|o| *o.borrow_mut() = self.0.take());
        }
    }
    let previous = OPTIONS.with(|o| o.borrow_mut().replace(options.clone()));
    let _restore = Restore(previous);
    f()
}

pub(crate) fn ignoring_unknown_fields() -> bool {
    OPTIONS.with(|o| o.borrow().as_ref().is_some_and(|o| o.ignore_unknown_fields))
}

pub(crate) fn registry() -> Option<Arc<Registry>> {
    OPTIONS.with(|o| o.borrow().as_ref().and_then(|o| o.registry.clone()))
}

/// `message` as compact JSON, through the direct writer.
pub fn to_vec<T: JsonWrite + ?Sized>(message: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    message.write_json(&mut JsonWriter::new(&mut out))?;
    Ok(out)
}

/// `message` as compact JSON text.
pub fn to_string<T: JsonWrite + ?Sized>(message: &T) -> Result<String, Error> {
    let bytes = to_vec(message)?;
    // The writer writes only valid UTF-8 (escaped strings, ASCII otherwise).
    Ok(String::from_utf8(bytes).expect("JSON output is UTF-8"))
}

/// [`to_string`] with options (the registry, for `Any` and extensions).
pub fn to_string_with<T: JsonWrite + ?Sized>(
    message: &T,
    options: &JsonOptions,
) -> Result<String, Error> {
    with_options(options, || to_string(message))
}

/// Appends `message` as JSON to `out`, with options.
pub fn to_writer_with<T: JsonWrite + ?Sized>(
    out: &mut Vec<u8>,
    message: &T,
    options: &JsonOptions,
) -> Result<(), Error> {
    with_options(options, || message.write_json(&mut JsonWriter::new(out)))
}

/// Parses a message from JSON text.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    from_slice(text.as_bytes())
}

/// Parses a message from JSON bytes.
pub fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// [`from_str`] with options (ignore unknown fields, the registry for `Any`).
pub fn from_str_with<T: serde::de::DeserializeOwned>(
    text: &str,
    options: &JsonOptions,
) -> Result<T, serde_json::Error> {
    with_options(options, || serde_json::from_str(text))
}

/// [`from_slice`] with options.
pub fn from_slice_with<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    options: &JsonOptions,
) -> Result<T, serde_json::Error> {
    with_options(options, || serde_json::from_slice(bytes))
}

/// What generated code implements (with the `json` option) to read a message from a
/// JSON object; its `Deserialize` impl calls [`deserialize_message`].
pub trait JsonMessage: Default + crate::Name {
    /// Merges the members of one JSON object into `self`.
    fn merge_json<'de, A: MapAccess<'de>>(&mut self, map: A) -> Result<(), A::Error>;
}

/// Reads a message from a JSON object (`null` and other JSON types are errors).
pub fn deserialize_message<'de, D: Deserializer<'de>, M: JsonMessage>(
    deserializer: D,
) -> Result<M, D::Error> {
    struct V<M>(std::marker::PhantomData<M>);
    impl<'de, M: JsonMessage> Visitor<'de> for V<M> {
        type Value = M;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a JSON object for {}", M::FULL_NAME)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<M, A::Error> {
            let mut message = M::default();
            message.merge_json(map)?;
            Ok(message)
        }
    }
    deserializer.deserialize_map(V(std::marker::PhantomData))
}

/// An object key, borrowed from the input when it has no escapes.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// Prefixes an error with the JSON member it happened under, so that nested errors
/// name their path: `optionalNestedMessage: a: invalid type: ...`.
pub fn in_path<E: de::Error>(error: E, segment: &str) -> E {
    // serde_json reads its own " at line L column C" suffix back out of custom errors,
    // so the position survives.
    E::custom(format_args!("{segment}: {error}"))
}

/// Generated `Deserialize` impls call this for a member that names no field: an error,
/// or (ignoring unknown fields) the value is skipped.
pub fn unknown_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    message: &str,
) -> Result<(), A::Error> {
    if ignoring_unknown_fields() {
        map.next_value::<IgnoredAny>()?;
        Ok(())
    } else {
        Err(de::Error::custom(format_args!(
            "unknown field {key:?} in {message}"
        )))
    }
}

/// Writes the registered extensions present in `unknown` as `"[full.name]": value`
/// members (what generated `Serialize` impls of extendable messages call).
pub fn serialize_extensions<M: serde::ser::SerializeMap>(
    map: &mut M,
    extendee: &str,
    unknown: &crate::UnknownFields,
) -> Result<(), M::Error> {
    let Some(registry) = registry() else {
        return Ok(());
    };
    for ext in registry.extensions_of(extendee) {
        if let Some(value) =
            (ext.to_json)(ext.number, unknown).map_err(serde::ser::Error::custom)?
        {
            map.serialize_entry(&format_args!("[{}]", ext.name), &value)?;
        }
    }
    Ok(())
}

/// For a member that names no field of an extendable message: a registered extension
/// (`"[full.name]"`) goes to `unknown`, encoded; anything else is [`unknown_field`].
pub fn extension_or_unknown_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    extendee: &str,
    unknown: &mut crate::UnknownFields,
) -> Result<(), A::Error> {
    let entry = key
        .strip_prefix('[')
        .and_then(|k| k.strip_suffix(']'))
        .and_then(|name| {
            registry().and_then(|r| {
                r.extensions_of(extendee)
                    .iter()
                    .find(|e| e.name == name)
                    .copied()
            })
        });
    match entry {
        Some(ext) => {
            let json = map.next_value::<serde_json::Value>()?;
            (ext.from_json)(ext.number, json, unknown)
                .map_err(|e| de::Error::custom(format_args!("{key}: {e}")))
        }
        None => unknown_field(map, key, extendee),
    }
}

/// The error for a field given twice (by either of its names).
pub fn duplicate_field<E: de::Error>(field: &str) -> E {
    E::custom(format_args!("duplicate field {field:?}"))
}

/// The error for a second member of one oneof.
pub fn duplicate_oneof<E: de::Error>(oneof: &str) -> E {
    E::custom(format_args!(
        "more than one field of oneof {oneof:?} is set"
    ))
}
