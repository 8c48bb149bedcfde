//! Enums: generated Rust enums implement [`Enum`]; fields of open enums hold
//! [`OpenEnum`], which keeps values the schema does not declare.

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use crate::{wire, DecodeError, Reader, UnknownFields};

/// Implemented by every generated enum.
pub trait Enum: Copy + Eq + fmt::Debug + Default + 'static {
    /// The declared value with this number, if any.
    fn from_i32(value: i32) -> Option<Self>;
    /// The value's number.
    fn to_i32(self) -> i32;
    /// The value's name as written in the .proto file.
    fn as_str_name(self) -> &'static str;
}

/// The value of an open enum field: a declared value or any other `i32`, kept as is.
///
/// Type-safe (an `OpenEnum<Color>` is not an `OpenEnum<Shape>`) yet lossless: a value
/// sent by a newer schema survives a decode/encode round trip.
#[repr(transparent)]
pub struct OpenEnum<E> {
    value: i32,
    _enum: PhantomData<fn() -> E>,
}

impl<E: Enum> OpenEnum<E> {
    /// Any number, declared or not.
    pub const fn from_i32(value: i32) -> Self {
        OpenEnum {
            value,
            _enum: PhantomData,
        }
    }

    /// The number, declared or not.
    pub const fn value(self) -> i32 {
        self.value
    }

    /// The declared value, or `None` for a number the schema does not know.
    pub fn known(self) -> Option<E> {
        E::from_i32(self.value)
    }

    /// The declared value, or `E::default()` for an unknown number.
    pub fn known_or_default(self) -> E {
        self.known().unwrap_or_default()
    }

    pub fn is_known(self) -> bool {
        self.known().is_some()
    }
}

impl<E> Clone for OpenEnum<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for OpenEnum<E> {}
impl<E> Default for OpenEnum<E> {
    fn default() -> Self {
        OpenEnum {
            value: 0,
            _enum: PhantomData,
        }
    }
}
impl<E> PartialEq for OpenEnum<E> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<E> Eq for OpenEnum<E> {}
impl<E> PartialOrd for OpenEnum<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for OpenEnum<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}
impl<E> Hash for OpenEnum<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
impl<E: Enum> PartialEq<E> for OpenEnum<E> {
    fn eq(&self, other: &E) -> bool {
        self.value == other.to_i32()
    }
}
impl<E: Enum> From<E> for OpenEnum<E> {
    fn from(value: E) -> Self {
        OpenEnum::from_i32(value.to_i32())
    }
}
impl<E> From<OpenEnum<E>> for i32 {
    fn from(value: OpenEnum<E>) -> i32 {
        value.value
    }
}
impl<E: Enum> fmt::Debug for OpenEnum<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.known() {
            Some(e) => fmt::Debug::fmt(&e, f),
            None => write!(f, "{}", self.value),
        }
    }
}

/// Reads a closed enum: a declared value, or `Err(number)` for one that belongs in the
/// unknown fields (as the spec requires for closed enums).
#[inline]
pub fn read_closed<E: Enum>(reader: &mut Reader<'_>) -> Result<Result<E, i32>, DecodeError> {
    let raw = reader.read_varint64()? as i32;
    Ok(E::from_i32(raw).ok_or(raw))
}

/// Keeps an undeclared closed-enum number as an unknown varint field.
#[cold]
pub fn keep_unknown(unknown: &mut UnknownFields, field_number: u32, raw: i32) {
    unknown.push_varint(field_number, raw as i64 as u64);
}

/// Merges a repeated closed enum, packed or not; undeclared numbers go to `unknown`
/// (or are dropped, with `None`).
pub fn merge_repeated_closed<E: Enum>(
    reader: &mut Reader<'_>,
    tag: u32,
    values: &mut Vec<E>,
    mut unknown: Option<&mut UnknownFields>,
) -> Result<(), DecodeError> {
    let field_number = wire::field_number(tag);
    let mut push = |value: Result<E, i32>| match (value, unknown.as_deref_mut()) {
        (Ok(v), _) => values.push(v),
        (Err(raw), Some(unknown)) => keep_unknown(unknown, field_number, raw),
        (Err(_), None) => {}
    };
    if tag & 7 == wire::WireType::Len as u32 {
        let mut packed = Reader::new(reader.read_bytes()?);
        while !packed.is_empty() {
            push(read_closed::<E>(&mut packed)?);
        }
    } else {
        push(read_closed::<E>(reader)?);
    }
    Ok(())
}
