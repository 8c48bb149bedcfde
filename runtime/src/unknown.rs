//! Unknown fields: kept as the raw records they arrived as, re-emitted after the known
//! fields on encode (as protoc's runtimes do).

use core::fmt;

use crate::wire::{self, WireType};
use crate::{Reader, Writer};

/// Fields a message did not recognise, in wire order, as raw tag + value records.
///
/// One non-null pointer wide and allocation-free until a record arrives: every
/// generated struct carries one and most never see an unknown field, so small messages
/// stay small, and `Option<Message>` costs no more than the message (the null pointer
/// is the niche).
#[derive(Clone, Default)]
pub struct UnknownFields {
    bytes: ThinBytes,
}

/// A `Vec<u8>` behind one non-null pointer: a shared static empty vector until the
/// first write, then an owned box.
struct ThinBytes {
    ptr: core::ptr::NonNull<Vec<u8>>,
}

/// What every empty `ThinBytes` points to; never written through.
static EMPTY: Vec<u8> = Vec::new();

impl ThinBytes {
    const fn new() -> Self {
        // SAFETY: a reference to a static is never null. It is only read through.
        let ptr =
            unsafe { core::ptr::NonNull::new_unchecked(&EMPTY as *const Vec<u8> as *mut Vec<u8>) };
        ThinBytes { ptr }
    }

    #[inline]
    fn is_owned(&self) -> bool {
        !core::ptr::eq(self.ptr.as_ptr(), &EMPTY)
    }

    #[inline]
    fn as_vec(&self) -> &Vec<u8> {
        // SAFETY: `ptr` points to `EMPTY` or to the vector this value owns.
        unsafe { self.ptr.as_ref() }
    }

    /// The owned vector, allocated on first use.
    fn as_vec_mut(&mut self) -> &mut Vec<u8> {
        if !self.is_owned() {
            self.ptr = core::ptr::NonNull::from(Box::leak(Box::<Vec<u8>>::default()));
        }
        // SAFETY: `ptr` now points to the vector this value owns, uniquely borrowed
        // through `&mut self`.
        unsafe { self.ptr.as_mut() }
    }

    /// Empties the vector, keeping an owned allocation for reuse.
    fn clear(&mut self) {
        if self.is_owned() {
            self.as_vec_mut().clear();
        }
    }
}

impl Default for ThinBytes {
    fn default() -> Self {
        ThinBytes::new()
    }
}

impl Clone for ThinBytes {
    fn clone(&self) -> Self {
        let mut copy = ThinBytes::new();
        if !self.as_vec().is_empty() {
            copy.as_vec_mut().extend_from_slice(self.as_vec());
        }
        copy
    }
}

impl Drop for ThinBytes {
    // Inline: dropping a message runs this for it and every sub-message, and it is
    // almost always one pointer compare.
    #[inline]
    fn drop(&mut self) {
        if self.is_owned() {
            self.free();
        }
    }
}

impl ThinBytes {
    #[cold]
    #[inline(never)]
    fn free(&mut self) {
        // SAFETY: an owned `ptr` came from `Box::leak` and is freed only here, from
        // `drop`.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

// SAFETY: `ThinBytes` owns its vector (or points to an immutable static), like a
// `Box<Vec<u8>>`, which is `Send` and `Sync`.
unsafe impl Send for ThinBytes {}
unsafe impl Sync for ThinBytes {}

impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for UnknownFields {}

impl core::hash::Hash for UnknownFields {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// One unknown field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownValue<'a> {
    Varint(u64),
    Fixed64(u64),
    LengthDelimited(&'a [u8]),
    /// The group's encoded fields, without its start and end tags.
    Group(&'a [u8]),
    Fixed32(u32),
}

impl UnknownFields {
    pub const fn new() -> Self {
        UnknownFields {
            bytes: ThinBytes::new(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }

    /// Size of the records on the wire.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.bytes.as_vec().len()
    }

    /// The raw records.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_vec()
    }

    #[inline]
    pub fn clear(&mut self) {
        // Keeps the allocation for reuse (clear + merge).
        self.bytes.clear();
    }

    #[inline]
    pub fn write_to(&self, writer: &mut Writer<'_>) {
        // Most messages have none: a pointer compare, not a zero-length copy call.
        if self.bytes.is_owned() {
            writer.put_slice(self.bytes.as_vec());
        }
    }

    /// Appends a record: `tag`, then `value` as it appeared on the wire after the tag.
    pub fn push_raw(&mut self, tag: u32, value: &[u8]) {
        let mut tmp = [0u8; 10];
        let n = wire::encode_varint(u64::from(tag), &mut tmp);
        let bytes = self.bytes.as_vec_mut();
        bytes.extend_from_slice(&tmp[..n]);
        bytes.extend_from_slice(value);
    }

    /// Appends a length-delimited record (how a map entry with an undeclared closed-enum
    /// value is kept).
    pub fn push_len_delimited(&mut self, field_number: u32, payload: &[u8]) {
        let mut value = Vec::with_capacity(wire::len_delimited_len(payload.len()));
        let mut tmp = [0u8; 10];
        let n = wire::encode_varint(payload.len() as u64, &mut tmp);
        value.extend_from_slice(&tmp[..n]);
        value.extend_from_slice(payload);
        self.push_raw(wire::tag(field_number, WireType::Len), &value);
    }

    /// Appends a varint record (how undeclared values of closed enums are kept).
    pub fn push_varint(&mut self, field_number: u32, value: u64) {
        let mut tmp = [0u8; 10];
        let n = wire::encode_varint(value, &mut tmp);
        self.push_raw(wire::tag(field_number, WireType::Varint), &tmp[..n]);
    }

    /// The raw records as `(tag, value bytes after the tag)`, in wire order.
    pub fn records(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        let mut reader = Reader::new(self.as_bytes());
        core::iter::from_fn(move || {
            // The records were validated when they were stored.
            let tag = reader.next_tag(0).ok()??;
            let value = reader.skip_value(tag).ok()?;
            Some((tag, value))
        })
    }

    /// Removes every record of `field_number`.
    pub fn remove_field(&mut self, field_number: u32) {
        if !self
            .records()
            .any(|(tag, _)| wire::field_number(tag) == field_number)
        {
            return;
        }
        let mut kept = UnknownFields::new();
        for (tag, value) in self.records() {
            if wire::field_number(tag) != field_number {
                kept.push_raw(tag, value);
            }
        }
        *self = kept;
    }

    /// The records as `(field number, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (u32, UnknownValue<'_>)> + '_ {
        self.records().filter_map(|(tag, value)| {
            let mut inner = Reader::new(value);
            let value = match WireType::of_tag(tag)? {
                WireType::Varint => UnknownValue::Varint(inner.read_varint64().ok()?),
                WireType::Fixed64 => UnknownValue::Fixed64(inner.read_fixed64().ok()?),
                WireType::Fixed32 => UnknownValue::Fixed32(inner.read_fixed32().ok()?),
                WireType::Len => UnknownValue::LengthDelimited(inner.read_bytes().ok()?),
                WireType::StartGroup => {
                    // The stored end tag may be non-canonical: find where it starts.
                    let field_number = wire::field_number(tag);
                    loop {
                        let before = inner.remaining().len();
                        match inner.next_tag(field_number).ok()? {
                            Some(t) => {
                                inner.skip_value(t).ok()?;
                            }
                            None => break UnknownValue::Group(&value[..value.len() - before]),
                        }
                    }
                }
                WireType::EndGroup => return None,
            };
            Some((wire::field_number(tag), value))
        })
    }
}

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pointer_wide_with_a_niche_and_empty_equals_cleared() {
        assert_eq!(core::mem::size_of::<UnknownFields>(), 8);
        assert_eq!(core::mem::size_of::<Option<UnknownFields>>(), 8);
        let mut u = UnknownFields::new();
        let v = u.clone();
        u.push_varint(1, 1);
        let w = u.clone();
        assert_eq!(w.as_bytes(), [0x08, 0x01]);
        assert!(v.is_empty());
        u.clear();
        assert_eq!(u, UnknownFields::new());
        assert!(u.is_empty());
        u.push_varint(2, 3);
        assert_eq!(u.as_bytes(), [0x10, 0x03]);
        drop(w);
        assert_eq!(UnknownFields::new().clone(), UnknownFields::default());
    }

    #[test]
    fn records_round_trip() {
        let input = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1b, 0x08, 0x01, 0x1c,
        ];
        let mut reader = Reader::new(&input);
        let mut unknown = UnknownFields::new();
        while let Some(tag) = reader.next_tag(0).unwrap() {
            reader.skip_field(tag, &mut unknown).unwrap();
        }
        assert_eq!(unknown.as_bytes(), &input);
        let fields: Vec<_> = unknown.iter().collect();
        assert_eq!(
            fields,
            vec![
                (1, UnknownValue::Varint(150)),
                (2, UnknownValue::LengthDelimited(b"hi")),
                (3, UnknownValue::Group(&[0x08, 0x01])),
            ]
        );
    }
}
