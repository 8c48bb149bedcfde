//! The type registry `Any` resolves `@type` through: full message name → JSON
//! conversions of the encoded message. Generated code (with the `json` option) offers
//! `register_json_types(&mut Registry)` per package; the well-known types are always in.

use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{Codec, Ser};
use crate::extension::{Extendable, Extension, ExtensionType};
use crate::{wire, Message, Name, UnknownFields};

type ToJson = fn(&[u8]) -> Result<serde_json::Value, String>;
type FromJson = fn(serde_json::Value) -> Result<Vec<u8>, String>;

#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) to_json: ToJson,
    pub(crate) from_json: FromJson,
    /// A well-known type with its own JSON form: inside `Any` it goes under `"value"`.
    pub(crate) special: bool,
}

type ExtToJson = fn(u32, &UnknownFields) -> Result<Option<serde_json::Value>, String>;
type ExtFromJson = fn(u32, serde_json::Value, &mut UnknownFields) -> Result<(), String>;

/// An extension's JSON conversions: its value is read from and written to the
/// extendee's unknown fields.
#[derive(Clone, Copy)]
pub(crate) struct ExtensionEntry {
    pub(crate) name: &'static str,
    pub(crate) number: u32,
    pub(crate) to_json: ExtToJson,
    pub(crate) from_json: ExtFromJson,
}

/// Message types by full name, with their JSON conversions, and extensions by extendee.
#[derive(Clone, Default)]
pub struct Registry {
    types: HashMap<&'static str, Entry>,
    /// Extendee full name → its extensions.
    extensions: HashMap<&'static str, Vec<ExtensionEntry>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.types.keys().collect();
        names.sort();
        f.debug_struct("Registry").field("types", &names).finish()
    }
}

fn to_json<M: Message + Serialize>(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let message = M::decode(bytes).map_err(|e| e.to_string())?;
    serde_json::to_value(&message).map_err(|e| e.to_string())
}

fn extension_to_json<T: ExtensionType, C: Codec<Value = T::Value>>(
    number: u32,
    unknown: &UnknownFields,
) -> Result<Option<serde_json::Value>, String> {
    let records = unknown
        .records()
        .filter(|(tag, _)| wire::field_number(*tag) == number);
    match T::read(number, records).map_err(|e| e.to_string())? {
        Some(value) => serde_json::to_value(Ser::<C>(&value))
            .map(Some)
            .map_err(|e| e.to_string()),
        None => Ok(None),
    }
}

fn extension_from_json<T: ExtensionType, C: Codec<Value = T::Value>>(
    number: u32,
    json: serde_json::Value,
    unknown: &mut UnknownFields,
) -> Result<(), String> {
    if let Some(value) = C::deserialize_field(json).map_err(|e| e.to_string())? {
        unknown.remove_field(number);
        T::write(number, &value, unknown);
    }
    Ok(())
}

fn from_json<M: Message + DeserializeOwned>(value: serde_json::Value) -> Result<Vec<u8>, String> {
    let message: M = serde_json::from_value(value).map_err(|e| e.to_string())?;
    Ok(message.encode_to_vec())
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds message type `M` (what generated `register_json_types` functions call).
    pub fn register<M: Message + Name + Serialize + DeserializeOwned>(&mut self) -> &mut Self {
        self.insert::<M>(false)
    }

    pub(crate) fn insert<M: Message + Name + Serialize + DeserializeOwned>(
        &mut self,
        special: bool,
    ) -> &mut Self {
        self.types.insert(
            M::FULL_NAME,
            Entry {
                to_json: to_json::<M>,
                from_json: from_json::<M>,
                special,
            },
        );
        self
    }

    /// Adds extension `ext`, whose values read and write JSON through codec `C`
    /// (what generated `register_json_types` functions call).
    pub fn register_extension<C, M, T>(&mut self, ext: &Extension<M, T>) -> &mut Self
    where
        C: Codec<Value = T::Value>,
        M: Extendable + Name,
        T: ExtensionType,
    {
        let list = self.extensions.entry(M::FULL_NAME).or_default();
        list.retain(|e| e.name != ext.name());
        list.push(ExtensionEntry {
            name: ext.name(),
            number: ext.number(),
            to_json: extension_to_json::<T, C>,
            from_json: extension_from_json::<T, C>,
        });
        self
    }

    pub(crate) fn extensions_of(&self, extendee: &str) -> &[ExtensionEntry] {
        self.extensions.get(extendee).map_or(&[], Vec::as_slice)
    }

    /// Whether `full_name` is registered.
    pub fn contains(&self, full_name: &str) -> bool {
        self.types.contains_key(full_name)
    }

    pub(crate) fn get(&self, full_name: &str) -> Option<Entry> {
        self.types.get(full_name).copied()
    }
}
