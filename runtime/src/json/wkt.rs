//! The well-known types' special JSON forms: Timestamp as RFC 3339, Duration as
//! `"1.5s"`, FieldMask as one comma-separated lowerCamel string, wrappers as their bare
//! values, Struct/Value/ListValue as plain JSON, Any as its message's object plus
//! `"@type"` (resolved through the [`Registry`]).

use core::fmt;
use std::collections::HashMap;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::codec::{self, Codec, EnumName};
use super::registry::{Entry, Registry};
use crate::wkt::{self, value::Kind};
use crate::Name;

impl EnumName for wkt::NullValue {
    fn from_name(name: &str) -> Option<Self> {
        wkt::NullValue::from_str_name(name)
    }
}

/// Types whose `Display`/`FromStr` is their JSON string form.
macro_rules! string_form {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.check().map_err(ser::Error::custom)?;
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = super::Key::deserialize(deserializer)?;
                text.parse().map_err(de::Error::custom)
            }
        }
    )*};
}
string_form!(wkt::Timestamp, wkt::Duration);

/// `foo_bar.baz` → `fooBar.baz`; `None` where lowerCamel would not read back the same.
fn path_to_camel(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        if c == '_' {
            if upper {
                return None;
            }
            upper = true;
        } else if upper {
            if !c.is_ascii_lowercase() {
                return None;
            }
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else if c.is_ascii_uppercase() {
            return None;
        } else {
            out.push(c);
        }
    }
    (!upper).then_some(out)
}

/// `fooBar.baz` → `foo_bar.baz`; `None` for characters a lowerCamel path cannot hold.
fn path_to_snake(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c == '_' {
            return None;
        }
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

impl Serialize for wkt::FieldMask {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut joined = String::new();
        for (i, path) in self.paths.iter().enumerate() {
            let camel = path_to_camel(path).ok_or_else(|| {
                ser::Error::custom(format!("FieldMask path {path:?} has no lowerCamel form"))
            })?;
            if i > 0 {
                joined.push(',');
            }
            joined.push_str(&camel);
        }
        serializer.serialize_str(&joined)
    }
}

impl<'de> Deserialize<'de> for wkt::FieldMask {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = super::Key::deserialize(deserializer)?;
        let mut mask = wkt::FieldMask::default();
        if text.is_empty() {
            return Ok(mask);
        }
        for path in text.split(',') {
            mask.paths.push(path_to_snake(path).ok_or_else(|| {
                de::Error::custom(format!("FieldMask path {path:?} is not lowerCamel"))
            })?);
        }
        Ok(mask)
    }
}

/// Wrappers are their bare value.
macro_rules! wrappers {
    ($($t:ident: $codec:ty),* $(,)?) => {$(
        impl Serialize for wkt::$t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$codec>::serialize(&self.value, serializer)
            }
        }
        impl<'de> Deserialize<'de> for wkt::$t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$codec>::deserialize(deserializer)?.unwrap_or_default();
                Ok(wkt::$t { value, ..Default::default() })
            }
        }
    )*};
}
wrappers!(
    DoubleValue: codec::F64,
    FloatValue: codec::F32,
    Int64Value: codec::I64,
    UInt64Value: codec::U64,
    Int32Value: codec::I32,
    UInt32Value: codec::U32,
    BoolValue: codec::Bool,
    StringValue: codec::Str,
    BytesValue: codec::Bytes,
);

impl Serialize for wkt::Empty {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

impl<'de> Deserialize<'de> for wkt::Empty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = wkt::Empty;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object for google.protobuf.Empty")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<wkt::Empty, A::Error> {
                while let Some(key) = map.next_key::<super::Key<'de>>()? {
                    super::unknown_field(&mut map, &key, wkt::Empty::FULL_NAME)?;
                }
                Ok(wkt::Empty::default())
            }
        }
        deserializer.deserialize_map(V)
    }
}

impl Serialize for wkt::Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            Some(Kind::NullValue(_)) => serializer.serialize_unit(),
            Some(Kind::NumberValue(n)) if !n.is_finite() => Err(ser::Error::custom(
                "google.protobuf.Value cannot hold NaN or infinity in JSON",
            )),
            Some(Kind::NumberValue(n)) => serializer.serialize_f64(*n),
            Some(Kind::StringValue(s)) => serializer.serialize_str(s),
            Some(Kind::BoolValue(b)) => serializer.serialize_bool(*b),
            Some(Kind::StructValue(s)) => s.serialize(serializer),
            Some(Kind::ListValue(l)) => l.serialize(serializer),
            None => Err(ser::Error::custom("google.protobuf.Value has no kind set")),
        }
    }
}

impl<'de> Deserialize<'de> for wkt::Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        fn value(kind: Kind) -> wkt::Value {
            wkt::Value {
                kind: Some(kind),
                ..Default::default()
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = wkt::Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<wkt::Value, E> {
                Ok(value(Kind::NullValue(Default::default())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<wkt::Value, E> {
                Ok(value(Kind::BoolValue(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<wkt::Value, E> {
                Ok(value(Kind::NumberValue(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<wkt::Value, E> {
                Ok(value(Kind::NumberValue(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<wkt::Value, E> {
                Ok(value(Kind::NumberValue(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<wkt::Value, E> {
                Ok(value(Kind::StringValue(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<wkt::Value, E> {
                Ok(value(Kind::StringValue(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<wkt::Value, A::Error> {
                Ok(value(Kind::ListValue(list_from_seq(seq)?)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<wkt::Value, A::Error> {
                Ok(value(Kind::StructValue(struct_from_map(map)?)))
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn list_from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<wkt::ListValue, A::Error> {
    let mut list = wkt::ListValue::default();
    while let Some(v) = seq.next_element::<wkt::Value>()? {
        list.values.push(v);
    }
    Ok(list)
}

fn struct_from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<wkt::Struct, A::Error> {
    let mut fields = HashMap::new();
    while let Some(key) = map.next_key::<String>()? {
        let value = map
            .next_value::<wkt::Value>()
            .map_err(|e| super::in_path(e, &key))?;
        fields.insert(key, value);
    }
    Ok(wkt::Struct {
        fields,
        ..Default::default()
    })
}

impl Serialize for wkt::ListValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.values.len()))?;
        for v in &self.values {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for wkt::ListValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = wkt::ListValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<wkt::ListValue, A::Error> {
                list_from_seq(seq)
            }
        }
        deserializer.deserialize_seq(V)
    }
}

impl Serialize for wkt::Struct {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for wkt::Struct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = wkt::Struct;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<wkt::Struct, A::Error> {
                struct_from_map(map)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The well-known types `Any` can hold without a registry.
fn well_known_registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = Registry::new();
        r.insert::<wkt::Any>(true)
            .insert::<wkt::Timestamp>(true)
            .insert::<wkt::Duration>(true)
            .insert::<wkt::FieldMask>(true)
            .insert::<wkt::Struct>(true)
            .insert::<wkt::Value>(true)
            .insert::<wkt::ListValue>(true)
            .insert::<wkt::DoubleValue>(true)
            .insert::<wkt::FloatValue>(true)
            .insert::<wkt::Int64Value>(true)
            .insert::<wkt::UInt64Value>(true)
            .insert::<wkt::Int32Value>(true)
            .insert::<wkt::UInt32Value>(true)
            .insert::<wkt::BoolValue>(true)
            .insert::<wkt::StringValue>(true)
            .insert::<wkt::BytesValue>(true)
            .insert::<wkt::Empty>(false);
        r
    })
}

fn lookup(type_url: &str) -> Result<Entry, String> {
    let name = match type_url.rsplit_once('/') {
        Some((_, name)) if !name.is_empty() => name,
        _ => {
            return Err(format!(
                "type URL {type_url:?} has no type name after a '/'"
            ))
        }
    };
    well_known_registry()
        .get(name)
        .or_else(|| super::registry().and_then(|r| r.get(name)))
        .ok_or_else(|| format!("Any holds {name}, which is not in the JSON type registry"))
}

impl Serialize for wkt::Any {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.type_url.is_empty() && self.value.is_empty() {
            return serializer.serialize_map(Some(0))?.end();
        }
        let entry = lookup(&self.type_url).map_err(ser::Error::custom)?;
        let json = (entry.to_json)(&self.value).map_err(ser::Error::custom)?;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("@type", &self.type_url)?;
        match json {
            serde_json::Value::Object(fields) if !entry.special => {
                for (k, v) in &fields {
                    map.serialize_entry(k, v)?;
                }
            }
            json => map.serialize_entry("value", &json)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for wkt::Any {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // "@type" may come last: the object is buffered before the type is known.
        let mut object = serde_json::Map::deserialize(deserializer)?;
        let type_url = match object.remove("@type") {
            Some(serde_json::Value::String(url)) => url,
            Some(_) => return Err(de::Error::custom("Any's \"@type\" must be a string")),
            None if object.is_empty() => return Ok(wkt::Any::default()),
            None => return Err(de::Error::custom("Any lacks \"@type\"")),
        };
        let entry = lookup(&type_url).map_err(de::Error::custom)?;
        let json = if entry.special {
            let value = object
                .remove("value")
                .ok_or_else(|| de::Error::custom(format!("Any of {type_url} lacks \"value\"")))?;
            if let Some(extra) = object.keys().next() {
                if !super::ignoring_unknown_fields() {
                    return Err(de::Error::custom(format!("unknown field {extra:?} in Any")));
                }
            }
            value
        } else {
            serde_json::Value::Object(object)
        };
        let value = (entry.from_json)(json).map_err(de::Error::custom)?;
        Ok(wkt::Any {
            type_url,
            value,
            ..Default::default()
        })
    }
}

/// The well-known types write through their `Serialize` impls.
macro_rules! write_through_serde {
    ($($t:ident),* $(,)?) => {$(
        impl super::JsonWrite for wkt::$t {
            fn write_json(&self, w: &mut super::JsonWriter<'_>) -> Result<(), super::write::Error> {
                w.serde(self)
            }
        }
    )*};
}
write_through_serde!(
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    Value,
    ListValue,
    Empty,
    DoubleValue,
    FloatValue,
    Int64Value,
    UInt64Value,
    Int32Value,
    UInt32Value,
    BoolValue,
    StringValue,
    BytesValue,
);
