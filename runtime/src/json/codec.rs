//! One JSON codec per protobuf value kind, named statically by generated code (as the
//! binary codecs in `scalar` are): 64-bit integers as strings, bytes as base64, enums by
//! name, non-finite floats as `"NaN"`/`"Infinity"`/`"-Infinity"`; on input, numbers
//! quoted or not, exponents for integral values, enum numbers, both base64 alphabets.

use core::fmt;
use core::marker::PhantomData;
use std::collections::HashMap;
use std::hash::Hash;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::base64;
use super::write::{self, Error, JsonWrite, JsonWriter};
use crate::OpenEnum;

/// How one protobuf value kind reads and writes JSON.
pub trait Codec: Sized {
    type Value;

    fn serialize<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error>;

    /// Writes the value with the direct writer (the same JSON as `serialize`).
    fn write(value: &Self::Value, w: &mut JsonWriter<'_>) -> Result<(), Error>;

    /// One value (a field's, a list element, a map value). `Ok(None)`: an enum name the
    /// schema does not know, skipped because unknown fields are ignored. JSON `null` is
    /// an error except where the value is `google.protobuf.Value` or `NullValue`.
    fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self::Value>, D::Error>;

    /// A field's value, where JSON `null` means "not set" (`Ok(None)`).
    fn deserialize_field<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self::Value>, D::Error> {
        Ok(Option::<Element<Self>>::deserialize(deserializer)?.and_then(|e| e.0))
    }
}

/// Serializes a value through codec `C`.
#[allow(missing_debug_implementations)] // transient wrappers
pub struct Ser<'a, C: Codec>(pub &'a C::Value);

impl<C: Codec> Serialize for Ser<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        C::serialize(self.0, serializer)
    }
}

/// A repeated field as a JSON array.
#[allow(missing_debug_implementations)] // transient wrappers
pub struct SerRepeated<'a, C: Codec>(pub &'a [C::Value]);

impl<C: Codec> Serialize for SerRepeated<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for value in self.0 {
            seq.serialize_element(&Ser::<C>(value))?;
        }
        seq.end()
    }
}

/// A map field as a JSON object (keys as strings).
#[allow(missing_debug_implementations)] // transient wrappers
pub struct SerMap<'a, K, C: Codec>(pub &'a HashMap<K, C::Value>);

impl<K: MapKey, C: Codec> Serialize for SerMap<'_, K, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(&KeyDisplay(key), &Ser::<C>(value))?;
        }
        map.end()
    }
}

struct KeyDisplay<'a, K>(&'a K);

impl<K: MapKey> Serialize for KeyDisplay<'_, K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_key(serializer)
    }
}

/// One value read through codec `C` (`None`: skipped unknown enum name).
#[allow(missing_debug_implementations)] // transient wrappers
pub struct Element<C: Codec>(pub Option<C::Value>);

impl<'de, C: Codec> Deserialize<'de> for Element<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        C::deserialize(deserializer).map(Element)
    }
}

/// A field's value read through codec `C` (`None`: null, or a skipped enum name).
#[allow(missing_debug_implementations)] // transient wrappers
pub struct Field<C: Codec>(pub Option<C::Value>);

impl<'de, C: Codec> Deserialize<'de> for Field<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        C::deserialize_field(deserializer).map(Field)
    }
}

/// A repeated field: a JSON array (or `null`, meaning empty).
#[allow(missing_debug_implementations)] // transient wrappers
pub struct Repeated<C: Codec>(pub Vec<C::Value>);

impl<'de, C: Codec> Deserialize<'de> for Repeated<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<C>(PhantomData<C>);
        impl<'de, C: Codec> Visitor<'de> for V<C> {
            type Value = Repeated<C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON array")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Repeated(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                let mut index = 0usize;
                while let Some(element) = seq
                    .next_element::<Element<C>>()
                    .map_err(|e| super::in_path(e, &index.to_string()))?
                {
                    values.extend(element.0);
                    index += 1;
                }
                Ok(Repeated(values))
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

/// A map field: a JSON object with string keys (or `null`, meaning empty).
#[allow(missing_debug_implementations)] // transient wrappers
pub struct Map<K, C: Codec>(pub HashMap<K, C::Value>);

impl<'de, K: MapKey, C: Codec> Deserialize<'de> for Map<K, C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<K, C>(PhantomData<(K, C)>);
        impl<'de, K: MapKey, C: Codec> Visitor<'de> for V<K, C> {
            type Value = Map<K, C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Map(HashMap::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = HashMap::new();
                while let Some(key) = map.next_key::<super::Key<'de>>()? {
                    let parsed = K::parse_key(&key).ok_or_else(|| {
                        de::Error::custom(format!("{key:?} is not a valid map key"))
                    })?;
                    let value = map
                        .next_value::<Element<C>>()
                        .map_err(|e| super::in_path(e, &key))?;
                    if let Some(value) = value.0 {
                        out.insert(parsed, value);
                    }
                }
                Ok(Map(out))
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

/// Map key types: written and read as JSON object keys (strings).
pub trait MapKey: Sized + Eq + Hash {
    fn serialize_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    /// Writes the key as a JSON string.
    fn write_key(&self, w: &mut JsonWriter<'_>);
    fn parse_key(text: &str) -> Option<Self>;
}

macro_rules! int_keys {
    ($($t:ty),*) => {$(
        impl MapKey for $t {
            fn serialize_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
            fn write_key(&self, w: &mut JsonWriter<'_>) {
                write::quoted_decimal(w, *self as i128);
            }
            fn parse_key(text: &str) -> Option<Self> {
                if text.starts_with('+') {
                    return None;
                }
                text.parse().ok()
            }
        }
    )*};
}
int_keys!(i32, i64, u32, u64);

impl MapKey for bool {
    fn serialize_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if *self { "true" } else { "false" })
    }
    fn write_key(&self, w: &mut JsonWriter<'_>) {
        w.raw(if *self { "\"true\"" } else { "\"false\"" });
    }
    fn parse_key(text: &str) -> Option<Self> {
        match text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

impl MapKey for String {
    fn serialize_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
    fn write_key(&self, w: &mut JsonWriter<'_>) {
        w.string(self);
    }
    fn parse_key(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl MapKey for crate::BytesString {
    fn serialize_key<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
    fn write_key(&self, w: &mut JsonWriter<'_>) {
        w.string(self);
    }
    fn parse_key(text: &str) -> Option<Self> {
        Some(crate::BytesString::copy_from_str(text))
    }
}

/// What a JSON number or numeric string says, before range checks.
enum Number {
    Signed(i64),
    Unsigned(u64),
    Float(f64),
}

/// Reads an integer: a JSON number, or a string holding one; an exponent or a fraction
/// of zero is fine as long as the value is integral.
struct IntegerVisitor;

impl<'de> Visitor<'de> for IntegerVisitor {
    type Value = Number;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer (a JSON number or a string)")
    }
    fn visit_i64<E>(self, v: i64) -> Result<Number, E> {
        Ok(Number::Signed(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Number, E> {
        Ok(Number::Unsigned(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Number, E> {
        Ok(Number::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        let bad = || E::custom(format!("{v:?} is not an integer"));
        if v.starts_with('+') || v.is_empty() {
            return Err(bad());
        }
        if let Ok(n) = v.parse::<i64>() {
            return Ok(Number::Signed(n));
        }
        if let Ok(n) = v.parse::<u64>() {
            return Ok(Number::Unsigned(n));
        }
        parse_decimal(v).map(Number::Float).ok_or_else(bad)
    }
}

/// A decimal number in JSON syntax (no `inf`/`nan` words, which Rust's parser takes).
fn parse_decimal(text: &str) -> Option<f64> {
    let valid = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && text.bytes().any(|b| b.is_ascii_digit())
        && !text.starts_with('+');
    let value: f64 = if valid {
        text.parse().ok()?
    } else {
        return None;
    };
    value.is_finite().then_some(value)
}

fn integer<'de, D: Deserializer<'de>, T>(deserializer: D, name: &str) -> Result<T, D::Error>
where
    T: TryFrom<i64> + TryFrom<u64>,
{
    let out_of_range =
        |text: String| de::Error::custom(format!("{text} is out of range for {name}"));
    match deserializer.deserialize_any(IntegerVisitor)? {
        Number::Signed(v) => T::try_from(v).map_err(|_| out_of_range(v.to_string())),
        Number::Unsigned(v) => T::try_from(v).map_err(|_| out_of_range(v.to_string())),
        Number::Float(v) => {
            if v.fract() != 0.0 || !v.is_finite() {
                return Err(de::Error::custom(format!("{v} is not an integer")));
            }
            // Integral f64s below 2^64 cast exactly. -2^63 itself is refused: a JSON
            // number that reaches here as a float at that value did not fit an i64
            // (i64::MIN written as an integer arrives through `visit_i64`).
            if (0.0..18_446_744_073_709_551_616.0).contains(&v) {
                T::try_from(v as u64).map_err(|_| out_of_range(v.to_string()))
            } else if v < 0.0 && v > -9_223_372_036_854_775_808.0 {
                T::try_from(v as i64).map_err(|_| out_of_range(v.to_string()))
            } else {
                Err(out_of_range(v.to_string()))
            }
        }
    }
}

macro_rules! int_codec {
    ($codec:ident, $t:ty, $name:literal, quoted: $quoted:literal) => {
        #[doc = concat!("`", $name, "` values.")]
        #[derive(Debug)]
        pub struct $codec;
        impl Codec for $codec {
            type Value = $t;
            fn serialize<S: Serializer>(value: &$t, serializer: S) -> Result<S::Ok, S::Error> {
                if $quoted {
                    // 64-bit integers are strings: JavaScript numbers lose precision.
                    let mut buf = [0u8; 20];
                    serializer.serialize_str(decimal(*value as i128, &mut buf))
                } else {
                    value.serialize(serializer)
                }
            }
            fn write(value: &$t, w: &mut JsonWriter<'_>) -> Result<(), Error> {
                if $quoted {
                    write::quoted_decimal(w, *value as i128);
                } else {
                    write::decimal(w, *value as i128);
                }
                Ok(())
            }
            fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$t>, D::Error> {
                integer(d, $name).map(Some)
            }
        }
    };
}
/// `value` in decimal, written into `buf` (no formatting machinery: this is on the
/// encode path of every 64-bit field).
pub(crate) fn decimal(value: i128, buf: &mut [u8; 20]) -> &str {
    let negative = value < 0;
    // Every i64 and u64 magnitude fits a u64, whose arithmetic is cheaper than i128's.
    let mut n = value.unsigned_abs() as u64;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    core::str::from_utf8(&buf[i..]).expect("digits are ASCII")
}

int_codec!(I32, i32, "int32", quoted: false);
int_codec!(U32, u32, "uint32", quoted: false);
int_codec!(I64, i64, "int64", quoted: true);
int_codec!(U64, u64, "uint64", quoted: true);

/// Reads a float: a JSON number, `"NaN"`, `"Infinity"`, `"-Infinity"`, or a numeric string.
struct FloatVisitor;

impl<'de> Visitor<'de> for FloatVisitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, \"NaN\", \"Infinity\" or \"-Infinity\"")
    }
    fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => parse_decimal(v).ok_or_else(|| E::custom(format!("{v:?} is not a number"))),
        }
    }
}

fn serialize_float<S: Serializer>(
    value: f64,
    serializer: S,
    float: Option<f32>,
) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        serializer.serialize_str("NaN")
    } else if value == f64::INFINITY {
        serializer.serialize_str("Infinity")
    } else if value == f64::NEG_INFINITY {
        serializer.serialize_str("-Infinity")
    } else if let Some(f) = float {
        serializer.serialize_f32(f)
    } else {
        serializer.serialize_f64(value)
    }
}

/// `double` values.
#[derive(Debug)]
pub struct F64;
impl Codec for F64 {
    type Value = f64;
    fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_float(*value, serializer, None)
    }
    fn write(value: &f64, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.f64(*value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        d.deserialize_any(FloatVisitor).map(Some)
    }
}

/// `float` values: finite input beyond `f32`'s range is an error, not infinity.
#[derive(Debug)]
pub struct F32;
impl Codec for F32 {
    type Value = f32;
    fn serialize<S: Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_float(f64::from(*value), serializer, Some(*value))
    }
    fn write(value: &f32, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.f32(*value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
        let v = d.deserialize_any(FloatVisitor)?;
        let f = v as f32;
        if v.is_finite() && f.is_infinite() {
            return Err(de::Error::custom(format!("{v} is out of range for float")));
        }
        Ok(Some(f))
    }
}

/// `bool` values: JSON `true` and `false` only.
#[derive(Debug)]
pub struct Bool;
impl Codec for Bool {
    type Value = bool;
    fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*value)
    }
    fn write(value: &bool, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.raw(if *value { "true" } else { "false" });
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        bool::deserialize(d).map(Some)
    }
}

/// `string` values.
#[derive(Debug)]
pub struct Str;
impl Codec for Str {
    type Value = String;
    fn serialize<S: Serializer>(value: &String, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value)
    }
    fn write(value: &String, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.string(value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        String::deserialize(d).map(Some)
    }
}

/// `string` fields generated as `rsfast::BytesString` (option `string=bytes`), as
/// [`Str`].
#[derive(Debug)]
pub struct SharedStr;
impl Codec for SharedStr {
    type Value = crate::BytesString;
    fn serialize<S: Serializer>(
        value: &crate::BytesString,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value)
    }
    fn write(value: &crate::BytesString, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.string(value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<crate::BytesString>, D::Error> {
        String::deserialize(d).map(|s| Some(s.into()))
    }
}

/// `bytes` values, as base64.
#[derive(Debug)]
pub struct Bytes;
impl Codec for Bytes {
    type Value = Vec<u8>;
    fn serialize<S: Serializer>(value: &Vec<u8>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&base64::Base64(value))
    }
    fn write(value: &Vec<u8>, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.bytes(value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text = super::Key::deserialize(d)?;
        base64::decode(&text)
            .map(Some)
            .map_err(|e| de::Error::custom(format!("{e} in {text:?}")))
    }
}

/// `bytes` fields generated as `bytes::Bytes` (option `bytes=bytes`): base64, as [`Bytes`].
#[derive(Debug)]
pub struct SharedBytes;
impl Codec for SharedBytes {
    type Value = bytes::Bytes;
    fn serialize<S: Serializer>(value: &bytes::Bytes, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&base64::Base64(&value[..]))
    }
    fn write(value: &bytes::Bytes, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.bytes(value);
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bytes::Bytes>, D::Error> {
        Ok(Bytes::deserialize(d)?.map(bytes::Bytes::from))
    }
}

/// An enum name or number, checked by `known`: `Ok(None)` for a name the enum does not
/// declare when unknown fields are ignored.
fn enum_value<'de, D: Deserializer<'de>>(
    d: D,
    from_name: impl Fn(&str) -> Option<i32>,
    known: impl Fn(i32) -> bool,
) -> Result<Option<i32>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Result<i32, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an enum value name or number")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Err(v.to_owned()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            i32::try_from(v)
                .map(Ok)
                .map_err(|_| E::custom(format!("enum number {v} is out of range")))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i32::try_from(v)
                .map(Ok)
                .map_err(|_| E::custom(format!("enum number {v} is out of range")))
        }
    }
    match d.deserialize_any(V)? {
        Ok(number) if known(number) => Ok(Some(number)),
        Ok(number) => Err(de::Error::custom(format!(
            "{number} is not a value of this enum"
        ))),
        Err(name) => match from_name(&name) {
            Some(number) => Ok(Some(number)),
            None if super::ignoring_unknown_fields() => Ok(None),
            None => Err(de::Error::custom(format!("unknown enum value {name:?}"))),
        },
    }
}

/// Generated enums' names, for the JSON mapping.
pub trait EnumName: crate::Enum {
    fn from_name(name: &str) -> Option<Self>;
}

/// Open enums (`OpenEnum<E>`): any number is kept.
#[derive(Debug)]
pub struct Enum<E>(PhantomData<E>);
impl<E: EnumName> Codec for Enum<E> {
    type Value = OpenEnum<E>;
    fn serialize<S: Serializer>(value: &OpenEnum<E>, serializer: S) -> Result<S::Ok, S::Error> {
        match value.known() {
            Some(e) => serializer.serialize_str(e.as_str_name()),
            None => serializer.serialize_i32(value.value()),
        }
    }
    fn write(value: &OpenEnum<E>, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        // Enum value names are identifiers: nothing to escape.
        match value.known() {
            Some(e) => w.plain_string(e.as_str_name()),
            None => write::decimal(w, i128::from(value.value())),
        }
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OpenEnum<E>>, D::Error> {
        let number = enum_value(d, |n| E::from_name(n).map(E::to_i32), |_| true)?;
        Ok(number.map(OpenEnum::from_i32))
    }
}

/// Closed enums: only declared numbers.
#[derive(Debug)]
pub struct ClosedEnum<E>(PhantomData<E>);
impl<E: EnumName> Codec for ClosedEnum<E> {
    type Value = E;
    fn serialize<S: Serializer>(value: &E, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.as_str_name())
    }
    fn write(value: &E, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.plain_string(value.as_str_name());
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<E>, D::Error> {
        let number = enum_value(
            d,
            |n| E::from_name(n).map(E::to_i32),
            |n| E::from_i32(n).is_some(),
        )?;
        Ok(number.and_then(E::from_i32))
    }
}

/// `google.protobuf.NullValue`: JSON `null`, which here is a value, not "unset".
#[derive(Debug)]
pub struct NullValue;
impl Codec for NullValue {
    type Value = OpenEnum<crate::wkt::NullValue>;
    fn serialize<S: Serializer>(_: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
    fn write(_: &Self::Value, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.raw("null");
        Ok(())
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::Value>, D::Error> {
        Self::deserialize_field(d)
    }
    fn deserialize_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::Value>, D::Error> {
        match Option::<Element<Enum<crate::wkt::NullValue>>>::deserialize(d)? {
            None => Ok(Some(OpenEnum::default())),
            Some(e) => Ok(e.0),
        }
    }
}

/// Messages, through their generated (or, for well-known types, hand-written)
/// `Serialize`/`Deserialize`.
#[derive(Debug)]
pub struct Msg<M>(PhantomData<M>);
impl<M: Serialize + JsonWrite + for<'de> Deserialize<'de>> Codec for Msg<M> {
    type Value = M;
    fn serialize<S: Serializer>(value: &M, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
    fn write(value: &M, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        value.write_json(w)
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<M>, D::Error> {
        M::deserialize(d).map(Some)
    }
}

/// Boxed message fields (recursive types).
#[derive(Debug)]
pub struct BoxMsg<M>(PhantomData<M>);
impl<M: Serialize + JsonWrite + for<'de> Deserialize<'de>> Codec for BoxMsg<M> {
    type Value = Box<M>;
    fn serialize<S: Serializer>(value: &Box<M>, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
    fn write(value: &Box<M>, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        value.write_json(w)
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<M>>, D::Error> {
        M::deserialize(d).map(|m| Some(Box::new(m)))
    }
}

/// `google.protobuf.Value` fields: JSON `null` is a value (`NullValue`), not "unset".
#[derive(Debug)]
pub struct ValueMsg;
impl Codec for ValueMsg {
    type Value = crate::wkt::Value;
    fn serialize<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
    fn write(value: &Self::Value, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.serde(value)
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::Value>, D::Error> {
        crate::wkt::Value::deserialize(d).map(Some)
    }
    fn deserialize_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::Value>, D::Error> {
        Self::deserialize(d)
    }
}

/// A list of values (repeated extensions), as a JSON array.
#[derive(Debug)]
pub struct List<C>(PhantomData<C>);
impl<C: Codec> Codec for List<C> {
    type Value = Vec<C::Value>;
    fn serialize<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        SerRepeated::<C>(value).serialize(serializer)
    }
    fn write(value: &Self::Value, w: &mut JsonWriter<'_>) -> Result<(), Error> {
        w.list(value, C::write)
    }
    fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self::Value>, D::Error> {
        Repeated::<C>::deserialize(d).map(|r| Some(r.0))
    }
}
