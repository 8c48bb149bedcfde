//! proto2 extensions. A message with extension ranges keeps its extensions encoded in its
//! unknown fields, so they round-trip whether or not they are known at compile time; the
//! typed API reads and writes them there through a generated [`Extension`] constant:
//!
//! ```text
//! msg.set_extension(&pkg::MY_EXTENSION, 42);
//! assert_eq!(msg.extension(&pkg::MY_EXTENSION)?, Some(42));
//! ```

use core::marker::PhantomData;

use crate::scalar::Scalar;
use crate::wire::{self, WireType};
use crate::{DecodeError, Message, Reader, UnknownFields, Writer};

/// A message with extension ranges.
pub trait Extendable: Message {
    /// Where the extensions (and other unknown fields) are kept.
    fn extension_storage(&self) -> &UnknownFields;
    fn extension_storage_mut(&mut self) -> &mut UnknownFields;

    /// The value of `ext`, or `None` if it is not set. Fails if its stored encoding is
    /// malformed for its type (e.g. invalid UTF-8 in a string extension).
    fn extension<T: ExtensionType>(
        &self,
        ext: &Extension<Self, T>,
    ) -> Result<Option<T::Value>, DecodeError> {
        let records = self
            .extension_storage()
            .records()
            .filter(|(tag, _)| wire::field_number(*tag) == ext.number);
        T::read(ext.number, records).map_err(|e| e.in_field(ext.extendee_name(), ext.name))
    }

    /// Whether `ext` has a record on the wire.
    fn has_extension<T: ExtensionType>(&self, ext: &Extension<Self, T>) -> bool {
        self.extension_storage()
            .records()
            .any(|(tag, _)| wire::field_number(tag) == ext.number)
    }

    /// Sets `ext`, replacing what was there.
    fn set_extension<T: ExtensionType>(&mut self, ext: &Extension<Self, T>, value: T::Value) {
        let storage = self.extension_storage_mut();
        storage.remove_field(ext.number);
        T::write(ext.number, &value, storage);
    }

    fn clear_extension<T: ExtensionType>(&mut self, ext: &Extension<Self, T>) {
        self.extension_storage_mut().remove_field(ext.number);
    }
}

/// An extension of message `M` with value type `T`, declared in a .proto `extend` block.
pub struct Extension<M, T> {
    number: u32,
    name: &'static str,
    _types: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Extension<M, T> {
    /// `name` is the extension's full proto name.
    pub const fn new(number: u32, name: &'static str) -> Self {
        Extension {
            number,
            name,
            _types: PhantomData,
        }
    }

    pub const fn number(&self) -> u32 {
        self.number
    }

    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn extendee_name(&self) -> &'static str {
        core::any::type_name::<M>()
    }
}

impl<M, T> core::fmt::Debug for Extension<M, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Extension({} = {})", self.name, self.number)
    }
}

/// How an extension's value is read from and written to its wire records.
pub trait ExtensionType {
    type Value;
    /// Reads the value from the records of its field number, in wire order.
    fn read<'a>(
        number: u32,
        records: impl Iterator<Item = (u32, &'a [u8])>,
    ) -> Result<Option<Self::Value>, DecodeError>;
    /// Appends the value's records.
    fn write(number: u32, value: &Self::Value, out: &mut UnknownFields);
}

/// Encodes with `write` into a record of `tag`.
fn push(out: &mut UnknownFields, tag: u32, len: usize, write: impl FnOnce(&mut Writer<'_>)) {
    let mut buf = vec![0; len];
    let mut writer = Writer::new(&mut buf);
    write(&mut writer);
    debug_assert_eq!(writer.remaining(), 0);
    out.push_raw(tag, &buf);
}

/// A singular scalar or enum extension (codec `C`): the last record wins.
#[derive(Debug)]
pub struct Optional<C>(PhantomData<C>);

impl<C: Scalar> ExtensionType for Optional<C> {
    type Value = C::Value;
    fn read<'a>(
        _: u32,
        records: impl Iterator<Item = (u32, &'a [u8])>,
    ) -> Result<Option<C::Value>, DecodeError> {
        let mut value = None;
        for (tag, bytes) in records {
            if tag & 7 == C::WIRE_TYPE as u32 {
                value = Some(C::read(&mut Reader::new(bytes))?);
            }
        }
        Ok(value)
    }
    fn write(number: u32, value: &C::Value, out: &mut UnknownFields) {
        push(out, wire::tag(number, C::WIRE_TYPE), C::len(*value), |w| {
            C::write(w, *value)
        });
    }
}

/// A repeated scalar or enum extension; `PACKED` chooses how it is written (both forms
/// are read).
#[derive(Debug)]
pub struct Repeated<C, const PACKED: bool>(PhantomData<C>);

impl<C: Scalar, const PACKED: bool> ExtensionType for Repeated<C, PACKED> {
    type Value = Vec<C::Value>;
    fn read<'a>(
        _: u32,
        records: impl Iterator<Item = (u32, &'a [u8])>,
    ) -> Result<Option<Vec<C::Value>>, DecodeError> {
        let mut values = Vec::new();
        let mut any = false;
        for (tag, bytes) in records {
            if tag & 7 == C::WIRE_TYPE as u32 || tag & 7 == WireType::Len as u32 {
                // The record as it was on the wire: merge_repeated takes both forms.
                let mut reader = Reader::new(bytes);
                C::merge_repeated(&mut reader, tag, &mut values)?;
                any = true;
            }
        }
        Ok(any.then_some(values))
    }
    fn write(number: u32, values: &Vec<C::Value>, out: &mut UnknownFields) {
        if PACKED {
            if values.is_empty() {
                return;
            }
            let payload = C::packed_len(values);
            // The record's tag goes in front separately: write_packed gets no tag bytes.
            push(
                out,
                wire::tag(number, WireType::Len),
                wire::len_delimited_len(payload),
                |w| C::write_packed(w, &[], values),
            );
        } else {
            for v in values {
                push(out, wire::tag(number, C::WIRE_TYPE), C::len(*v), |w| {
                    C::write(w, *v)
                });
            }
        }
    }
}

/// A length-delimited or group value kind: [`Str`], [`Bytes`], [`Msg`], [`Group`].
pub trait LenKind {
    type Value: Default;
    const WIRE_TYPE: WireType;
    /// Merges one record into `value`: strings and bytes are replaced, messages merged.
    fn merge(value: &mut Self::Value, number: u32, bytes: &[u8]) -> Result<(), DecodeError>;
    fn write(value: &Self::Value, number: u32, out: &mut UnknownFields);
}

/// `string` values.
#[derive(Debug)]
pub struct Str;
/// `bytes` values.
#[derive(Debug)]
pub struct Bytes;
/// Message values, length-prefixed.
#[derive(Debug)]
pub struct Msg<M>(PhantomData<M>);
/// Message values with the group (delimited) encoding.
#[derive(Debug)]
pub struct Group<M>(PhantomData<M>);

impl LenKind for Str {
    type Value = String;
    const WIRE_TYPE: WireType = WireType::Len;
    fn merge(value: &mut String, _: u32, bytes: &[u8]) -> Result<(), DecodeError> {
        Reader::new(bytes).merge_string(value)
    }
    fn write(value: &String, number: u32, out: &mut UnknownFields) {
        out.push_len_delimited(number, value.as_bytes());
    }
}

impl LenKind for Bytes {
    type Value = Vec<u8>;
    const WIRE_TYPE: WireType = WireType::Len;
    fn merge(value: &mut Vec<u8>, _: u32, bytes: &[u8]) -> Result<(), DecodeError> {
        Reader::new(bytes).merge_bytes(value)
    }
    fn write(value: &Vec<u8>, number: u32, out: &mut UnknownFields) {
        out.push_len_delimited(number, value);
    }
}

impl<M: Message> LenKind for Msg<M> {
    type Value = M;
    const WIRE_TYPE: WireType = WireType::Len;
    fn merge(value: &mut M, _: u32, bytes: &[u8]) -> Result<(), DecodeError> {
        Reader::new(bytes).merge_message(value)
    }
    fn write(value: &M, number: u32, out: &mut UnknownFields) {
        let len = wire::len_delimited_len(value.encoded_len());
        push(out, wire::tag(number, WireType::Len), len, |w| {
            w.put_message(value)
        });
    }
}

impl<M: Message> LenKind for Group<M> {
    type Value = M;
    const WIRE_TYPE: WireType = WireType::StartGroup;
    fn merge(value: &mut M, number: u32, bytes: &[u8]) -> Result<(), DecodeError> {
        // The stored record is the group's fields followed by its end tag.
        value.merge_from(&mut Reader::new(bytes), number)
    }
    fn write(value: &M, number: u32, out: &mut UnknownFields) {
        let end = u64::from(wire::tag(number, WireType::EndGroup));
        let len = value.encoded_len() + wire::varint_len(end);
        push(out, wire::tag(number, WireType::StartGroup), len, |w| {
            w.put_varint(end);
            value.write_to(w);
        });
    }
}

/// A singular string, bytes or message extension.
#[derive(Debug)]
pub struct OptionalLen<K>(PhantomData<K>);

impl<K: LenKind> ExtensionType for OptionalLen<K> {
    type Value = K::Value;
    fn read<'a>(
        number: u32,
        records: impl Iterator<Item = (u32, &'a [u8])>,
    ) -> Result<Option<K::Value>, DecodeError> {
        let mut value: Option<K::Value> = None;
        for (tag, bytes) in records {
            if tag & 7 == K::WIRE_TYPE as u32 {
                K::merge(value.get_or_insert_with(Default::default), number, bytes)?;
            }
        }
        Ok(value)
    }
    fn write(number: u32, value: &K::Value, out: &mut UnknownFields) {
        K::write(value, number, out);
    }
}

/// A repeated string, bytes or message extension.
#[derive(Debug)]
pub struct RepeatedLen<K>(PhantomData<K>);

impl<K: LenKind> ExtensionType for RepeatedLen<K> {
    type Value = Vec<K::Value>;
    fn read<'a>(
        number: u32,
        records: impl Iterator<Item = (u32, &'a [u8])>,
    ) -> Result<Option<Vec<K::Value>>, DecodeError> {
        let mut values = Vec::new();
        for (tag, bytes) in records {
            if tag & 7 == K::WIRE_TYPE as u32 {
                let mut value = K::Value::default();
                K::merge(&mut value, number, bytes)?;
                values.push(value);
            }
        }
        Ok((!values.is_empty()).then_some(values))
    }
    fn write(number: u32, values: &Vec<K::Value>, out: &mut UnknownFields) {
        for value in values {
            K::write(value, number, out);
        }
    }
}
