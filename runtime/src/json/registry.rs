//! The type registry `Any` resolves `@type` through: full message name → JSON
//! conversions of the encoded message. Generated code (with the `json` option) offers
//! `register_json_types(&mut Registry)` per package; the well-known types are always in.

use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Message, Name};

type ToJson = fn(&[u8]) -> Result<serde_json::Value, String>;
type FromJson = fn(serde_json::Value) -> Result<Vec<u8>, String>;

#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) to_json: ToJson,
    pub(crate) from_json: FromJson,
    /// A well-known type with its own JSON form: inside `Any` it goes under `"value"`.
    pub(crate) special: bool,
}

/// Message types by full name, with their JSON conversions.
#[derive(Clone, Default)]
pub struct Registry {
    types: HashMap<&'static str, Entry>,
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

    /// Whether `full_name` is registered.
    pub fn contains(&self, full_name: &str) -> bool {
        self.types.contains_key(full_name)
    }

    pub(crate) fn get(&self, full_name: &str) -> Option<Entry> {
        self.types.get(full_name).copied()
    }
}
