//! The slice reader: decodes from one contiguous buffer, checking bounds once per value.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use crate::error::{DecodeError, DecodeErrorKind as Kind};
use crate::wire::{self, WireType};
use crate::{Message, UnknownFields};

/// How deep messages and groups may nest before decoding fails (as in protoc's runtimes).
pub const DEFAULT_RECURSION_LIMIT: u32 = 100;

/// Reads protobuf values from a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    /// Nesting levels still allowed below this one.
    depth: u32,
    /// The `Bytes` that `buf` lies in, when decoding from one: `bytes::Bytes` fields
    /// are then slices of it instead of copies.
    shared: Option<&'a bytes::Bytes>,
}

#[cold]
fn err(kind: Kind) -> DecodeError {
    DecodeError::new(kind)
}

/// Decodes the varint at the start of `head` (which holds at least ten bytes): the
/// terminating byte is found with one bit trick on a 64-bit load, and the 7-bit groups
/// are gathered with shifts and masks instead of a loop.
#[inline]
pub(crate) fn decode_varint_unbounded(head: &[u8; 10]) -> Result<(u64, usize), DecodeError> {
    const CONTINUATION: u64 = 0x8080_8080_8080_8080;
    let word = u64::from_le_bytes([
        head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7],
    ]);
    let stops = !word & CONTINUATION;
    if stops != 0 {
        let len = (stops.trailing_zeros() as usize + 1) / 8;
        let kept = if len == 8 {
            word
        } else {
            word & ((1u64 << (len * 8)) - 1)
        };
        return Ok((gather7(kept), len));
    }
    let low = gather7(word);
    let b8 = u64::from(head[8]);
    if b8 < 0x80 {
        return Ok((low | (b8 << 56), 9));
    }
    let b9 = u64::from(head[9]);
    if b9 > 1 {
        return Err(err(Kind::VarintOverflow));
    }
    Ok((low | ((b8 & 0x7f) << 56) | (b9 << 63), 10))
}

/// Packs the low seven bits of each of eight bytes into 56 contiguous bits.
#[inline]
fn gather7(word: u64) -> u64 {
    let v = word & 0x7f7f_7f7f_7f7f_7f7f;
    let v = (v & 0x007f_007f_007f_007f) | ((v & 0x7f00_7f00_7f00_7f00) >> 1);
    let v = (v & 0x0000_3fff_0000_3fff) | ((v & 0x3fff_0000_3fff_0000) >> 2);
    (v & 0x0000_0000_0fff_ffff) | ((v & 0x0fff_ffff_0000_0000) >> 4)
}

/// UTF-8 validation with an ASCII fast path: most protobuf strings are ASCII, and
/// checking eight bytes at a time for a high bit is several times faster than the
/// general validator, which takes over at the first non-ASCII word.
#[inline]
fn validate_utf8(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: every byte is ASCII, which is valid UTF-8.
        return Some(unsafe { core::str::from_utf8_unchecked(bytes) });
    }
    core::str::from_utf8(bytes).ok()
}

/// Whether every byte is below 0x80: whole words ORed together and tested once, the
/// tail as one overlapping word, so a short string costs a load or two, not a loop.
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let n = bytes.len();
    if n >= 8 {
        let mut acc = 0u64;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            acc |= u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        let last = bytes[n - 8..].try_into().expect("8 bytes");
        (acc | u64::from_le_bytes(last)) & HIGH_BITS == 0
    } else if n >= 4 {
        let head = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        let tail = u32::from_le_bytes(bytes[n - 4..].try_into().expect("4 bytes"));
        (head | tail) & 0x8080_8080 == 0
    } else {
        bytes.iter().all(|&b| b < 0x80)
    }
}

/// Appends `T::default()` to `values` and returns it, to be merged into in place (no
/// copy of a finished element). Room is made first, so the default is written straight
/// into the vector: `push` builds it on the stack and copies it across its growth
/// check, a copy whose wide loads stall on the narrow stores just made.
#[inline(always)]
fn push_default<T: Default>(values: &mut Vec<T>) -> &mut T {
    if values.len() == values.capacity() {
        grow_for_one(values);
    }
    let len = values.len();
    values.spare_capacity_mut()[0].write(T::default());
    // SAFETY: slot `len` was reserved and has just been initialized.
    unsafe { values.set_len(len + 1) };
    &mut values[len]
}

/// Room for one more element in a full vector. The first allocation is a plain
/// `with_capacity` (`reserve` on an empty vector takes the amortized growth path, about 40
/// instructions more); four elements, as that path would give.
#[inline(never)]
fn grow_for_one<T>(values: &mut Vec<T>) {
    if values.capacity() == 0 {
        *values = Vec::with_capacity(4);
    } else {
        values.reserve(1);
    }
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader::with_recursion_limit(buf, DEFAULT_RECURSION_LIMIT)
    }

    #[inline]
    pub fn with_recursion_limit(buf: &'a [u8], limit: u32) -> Self {
        Reader {
            buf,
            depth: limit,
            shared: None,
        }
    }

    /// Runs `slow` on a copy of this reader and stores the copy back. Out-of-line slow
    /// paths then take the address of the copy, not of this reader, so that the
    /// compiler can keep this reader's position in registers on the fast paths around
    /// them (a reader whose address is passed to a call lives in memory, and every
    /// field read stores and reloads it).
    #[inline(always)]
    fn cold_path<T>(&mut self, slow: impl FnOnce(&mut Reader<'a>) -> T) -> T {
        let mut copy = self.clone();
        let out = slow(&mut copy);
        *self = copy;
        out
    }

    /// A reader over `buf` whose `bytes::Bytes` fields share `buf`'s memory
    /// ([`Reader::read_shared_bytes`]).
    #[inline]
    pub fn new_shared(buf: &'a bytes::Bytes) -> Self {
        Reader {
            buf,
            depth: DEFAULT_RECURSION_LIMIT,
            shared: Some(buf),
        }
    }

    /// The bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    #[inline]
    fn advance(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(err(Kind::Truncated));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    #[inline]
    pub fn read_varint64(&mut self) -> Result<u64, DecodeError> {
        // One- and two-byte varints (values below 16384) are most of what is on the wire.
        match *self.buf {
            [b0, ref rest @ ..] if b0 < 0x80 => {
                self.buf = rest;
                Ok(u64::from(b0))
            }
            [b0, b1, ref rest @ ..] if b1 < 0x80 => {
                self.buf = rest;
                Ok(u64::from(b0 & 0x7f) | (u64::from(b1) << 7))
            }
            _ => {
                let (value, rest) = Reader::read_varint64_slow(self.buf)?;
                self.buf = rest;
                Ok(value)
            }
        }
    }

    /// A varint of three or more bytes (or a truncated one). Takes and returns the
    /// input, not the reader, whose position then stays in registers (see
    /// [`Reader::cold_path`]).
    #[inline(never)]
    fn read_varint64_slow(buf: &'a [u8]) -> Result<(u64, &'a [u8]), DecodeError> {
        if let Some(head) = buf.first_chunk::<10>() {
            // Enough bytes for any varint: decode without a branch per byte.
            let (value, len) = decode_varint_unbounded(head)?;
            return Ok((value, &buf[len..]));
        }
        let mut value = 0u64;
        for (i, &b) in buf.iter().enumerate() {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b > 1 {
                    return Err(err(Kind::VarintOverflow));
                }
                return Ok((value, &buf[i + 1..]));
            }
        }
        Err(err(Kind::Truncated))
    }

    /// A varint truncated to its low 32 bits (how `int32`, `uint32` and enums are read).
    #[inline]
    pub fn read_varint32(&mut self) -> Result<u32, DecodeError> {
        self.read_varint64().map(|v| v as u32)
    }

    #[inline]
    pub fn read_fixed32(&mut self) -> Result<u32, DecodeError> {
        let bytes = self.advance(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    #[inline]
    pub fn read_fixed64(&mut self) -> Result<u64, DecodeError> {
        let bytes = self.advance(8)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(le))
    }

    /// The next tag, or `None` at the end of this message: the end of input for a
    /// length-delimited message (`end_group == 0`), or the end-group tag of field
    /// `end_group` for a group.
    #[inline]
    pub fn next_tag(&mut self, end_group: u32) -> Result<Option<u32>, DecodeError> {
        let Some(&b) = self.buf.first() else {
            return if end_group == 0 {
                Ok(None)
            } else {
                Err(err(Kind::UnterminatedGroup {
                    field_number: end_group,
                }))
            };
        };
        // Fast paths: one- and two-byte tags (field numbers up to 2047) with a field
        // number ≥ 1 and wire type 0..=3 or 5; anything else is checked the slow way.
        if (8..0x80).contains(&b) && (b & 7) != 4 && (b & 7) < 6 {
            self.buf = &self.buf[1..];
            return Ok(Some(u32::from(b)));
        }
        if let [b0, b1, ref rest @ ..] = *self.buf {
            if (1..0x80).contains(&b1) && (b0 & 7) != 4 && (b0 & 7) < 6 {
                self.buf = rest;
                return Ok(Some(u32::from(b0 & 0x7f) | (u32::from(b1) << 7)));
            }
        }
        self.cold_path(|r| r.next_tag_slow(end_group))
    }

    /// The next tag if it is one byte long (field numbers 1 to 15) with a valid wire
    /// type other than end-group, consumed; otherwise 0 (never a tag) and nothing
    /// consumed: the caller then asks [`Reader::next_tag`], which also tells the end
    /// of the message. A plain number, so generated loops keep it in a register.
    #[inline(always)]
    pub fn fast_tag(&mut self) -> u32 {
        if let [b, ref rest @ ..] = *self.buf {
            // Wire types 0, 1, 2, 3 and 5: bits of 0b10_1111.
            if (8..0x80).contains(&b) && (0x2f >> (b & 7)) & 1 == 1 {
                self.buf = rest;
                return u32::from(b);
            }
        }
        0
    }

    /// Consumes `tag` (a known field's tag bytes) if the input continues with it.
    /// Generated code calls it with the tag it expects next, to skip the general
    /// [`Reader::next_tag`] and the dispatch when fields arrive in order.
    #[inline(always)]
    pub fn eat_tag(&mut self, tag: &[u8]) -> bool {
        match self.buf.strip_prefix(tag) {
            Some(rest) => {
                self.buf = rest;
                true
            }
            None => false,
        }
    }

    #[inline(never)]
    fn next_tag_slow(&mut self, end_group: u32) -> Result<Option<u32>, DecodeError> {
        let raw = self.read_varint64()?;
        let tag = u32::try_from(raw).map_err(|_| err(Kind::InvalidTag(raw)))?;
        let field_number = wire::field_number(tag);
        if field_number == 0 {
            return Err(err(Kind::FieldNumberZero));
        }
        match WireType::of_tag(tag) {
            None => Err(err(Kind::InvalidWireType((tag & 7) as u8))),
            Some(WireType::EndGroup) if field_number == end_group => Ok(None),
            Some(WireType::EndGroup) => Err(err(Kind::UnexpectedEndGroup { field_number })),
            Some(_) => Ok(Some(tag)),
        }
    }

    /// A length prefix, checked against the bytes that remain.
    #[inline]
    pub fn read_len(&mut self) -> Result<usize, DecodeError> {
        let len = self.read_varint64()?;
        if len > self.buf.len() as u64 {
            return Err(err(Kind::LengthOutOfBounds {
                len,
                remaining: self.buf.len(),
            }));
        }
        Ok(len as usize)
    }

    /// A length-delimited payload, borrowed from the input.
    #[inline]
    pub fn read_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.read_len()?;
        self.advance(len)
    }

    /// Called with a hash map field's first decoded entry (`tag`: the field's tag
    /// bytes; the reader is past the entry): a map without capacity reserves room for
    /// this entry and the ones of the same field that follow in a row, rather than
    /// growing 3 → 7 → 14 and rehashing every key at each step. A reused map keeps its
    /// capacity and skips the count.
    #[inline]
    pub fn reserve_map_run<K: Eq + Hash, V, S: BuildHasher>(
        &self,
        map: &mut HashMap<K, V, S>,
        tag: &[u8],
    ) {
        if map.capacity() == 0 {
            map.reserve(1 + self.count_run(tag));
        }
    }

    /// How many length-delimited records with tag bytes `tag` come in a row from
    /// here: at most 13, and not past anything malformed (which decoding itself then
    /// reports). 13 and the entry before them fill a 16-bucket table, which keeps the
    /// reservation small when a run of duplicate keys ends as one entry.
    fn count_run(&self, tag: &[u8]) -> usize {
        const LIMIT: usize = 13;
        let mut probe = self.clone();
        let mut n = 0;
        while n < LIMIT && probe.eat_tag(tag) && probe.read_bytes().is_ok() {
            n += 1;
        }
        n
    }

    /// A length-delimited UTF-8 string, borrowed from the input.
    #[inline]
    pub fn read_str(&mut self) -> Result<&'a str, DecodeError> {
        let bytes = self.read_bytes()?;
        validate_utf8(bytes).ok_or_else(|| err(Kind::InvalidUtf8))
    }

    /// Replaces `dst` with a string field, reusing its allocation.
    #[inline]
    pub fn merge_string(&mut self, dst: &mut String) -> Result<(), DecodeError> {
        let s = self.read_str()?;
        if dst.capacity() == 0 {
            // A fresh field: one exact allocation, no growth logic.
            *dst = String::from(s);
        } else {
            dst.clear();
            dst.push_str(s);
        }
        Ok(())
    }

    /// Replaces `dst` with a bytes field, reusing its allocation.
    #[inline]
    pub fn merge_bytes(&mut self, dst: &mut Vec<u8>) -> Result<(), DecodeError> {
        let b = self.read_bytes()?;
        if dst.capacity() == 0 {
            *dst = b.to_vec();
        } else {
            dst.clear();
            dst.extend_from_slice(b);
        }
        Ok(())
    }

    /// A string field, owned.
    #[inline]
    pub fn read_string(&mut self) -> Result<String, DecodeError> {
        self.read_str().map(String::from)
    }

    /// A bytes field, owned.
    #[inline]
    pub fn read_byte_vec(&mut self) -> Result<Vec<u8>, DecodeError> {
        self.read_bytes().map(<[u8]>::to_vec)
    }

    /// A bytes field as `bytes::Bytes`: a slice of the input when this reader was made
    /// by [`Reader::new_shared`], a copy otherwise.
    #[inline]
    pub fn read_shared_bytes(&mut self) -> Result<bytes::Bytes, DecodeError> {
        let value = self.read_bytes()?;
        Ok(match self.shared {
            Some(shared) if !value.is_empty() => shared.slice_ref(value),
            _ => bytes::Bytes::copy_from_slice(value),
        })
    }

    /// A string field as [`crate::BytesString`], validated as [`Reader::read_str`]
    /// does: a slice of the input when this reader was made by [`Reader::new_shared`],
    /// a copy otherwise.
    #[inline]
    pub fn read_shared_string(&mut self) -> Result<crate::BytesString, DecodeError> {
        let value = self.read_str()?;
        Ok(match self.shared {
            // SAFETY: `value` was just validated as UTF-8, and the slice is its bytes.
            Some(shared) if !value.is_empty() => unsafe {
                crate::BytesString::from_utf8_unchecked(shared.slice_ref(value.as_bytes()))
            },
            _ => crate::BytesString::copy_from_str(value),
        })
    }

    #[inline]
    fn descend(&mut self) -> Result<(), DecodeError> {
        if self.depth == 0 {
            return Err(err(Kind::RecursionLimitExceeded));
        }
        self.depth -= 1;
        Ok(())
    }

    /// A reader for `payload` (a length-delimited value read from this reader) one
    /// nesting level down, as used for map entries.
    #[inline]
    pub fn nested(&self, payload: &'a [u8]) -> Result<Reader<'a>, DecodeError> {
        if self.depth == 0 {
            return Err(err(Kind::RecursionLimitExceeded));
        }
        Ok(Reader {
            buf: payload,
            depth: self.depth - 1,
            shared: self.shared,
        })
    }

    /// Merges a length-delimited sub-message into `message`.
    ///
    /// Always inlined: the sub-message gets a reader of its own, so this reader's
    /// address never reaches the (possibly out-of-line) `merge_from`, and the caller's
    /// loop keeps its position in registers.
    #[inline(always)]
    pub fn merge_message<M: Message>(&mut self, message: &mut M) -> Result<(), DecodeError> {
        let payload = self.read_bytes()?;
        let mut sub = self.nested(payload)?;
        message.merge_from(&mut sub, 0)
    }

    /// Merges a length-delimited sub-message into a new last element of `values` (a
    /// repeated message field).
    #[inline]
    pub fn merge_repeated_message<M: Message>(
        &mut self,
        values: &mut Vec<M>,
    ) -> Result<(), DecodeError> {
        self.merge_message(push_default(values))
    }

    /// Merges a group of field `field_number` into a new last element of `values`.
    #[inline]
    pub fn merge_repeated_group<M: Message>(
        &mut self,
        values: &mut Vec<M>,
        field_number: u32,
    ) -> Result<(), DecodeError> {
        self.merge_group(push_default(values), field_number)
    }

    /// Merges a group (delimited encoding) of field `field_number` into `message`; the
    /// start tag has been read, the end tag is consumed here.
    #[inline]
    pub fn merge_group<M: Message>(
        &mut self,
        message: &mut M,
        field_number: u32,
    ) -> Result<(), DecodeError> {
        self.descend()?;
        let result = message.merge_from(self, field_number);
        self.depth += 1;
        result
    }

    /// Skips the value of a field with `tag` and returns its bytes (without the tag).
    pub fn skip_value(&mut self, tag: u32) -> Result<&'a [u8], DecodeError> {
        let start = self.buf;
        match WireType::of_tag(tag) {
            Some(WireType::Varint) => {
                self.read_varint64()?;
            }
            Some(WireType::Fixed64) => {
                self.advance(8)?;
            }
            Some(WireType::Fixed32) => {
                self.advance(4)?;
            }
            Some(WireType::Len) => {
                self.read_bytes()?;
            }
            Some(WireType::StartGroup) => {
                let field_number = wire::field_number(tag);
                self.descend()?;
                let result = self.skip_group(field_number);
                self.depth += 1;
                result?;
            }
            Some(WireType::EndGroup) => {
                return Err(err(Kind::UnexpectedEndGroup {
                    field_number: wire::field_number(tag),
                }))
            }
            None => return Err(err(Kind::InvalidWireType((tag & 7) as u8))),
        }
        Ok(&start[..start.len() - self.buf.len()])
    }

    fn skip_group(&mut self, field_number: u32) -> Result<(), DecodeError> {
        while let Some(tag) = self.next_tag(field_number)? {
            self.skip_value(tag)?;
        }
        Ok(())
    }

    /// Skips a field this message does not know and keeps it in `unknown`.
    #[inline(always)]
    pub fn skip_field(&mut self, tag: u32, unknown: &mut UnknownFields) -> Result<(), DecodeError> {
        self.cold_path(|r| r.skip_field_slow(tag, unknown))
    }

    #[inline(never)]
    fn skip_field_slow(
        &mut self,
        tag: u32,
        unknown: &mut UnknownFields,
    ) -> Result<(), DecodeError> {
        let value = self.skip_value(tag)?;
        unknown.push_raw(tag, value);
        Ok(())
    }

    /// Skips a field this message does not know, dropping it.
    #[inline(always)]
    pub fn discard_field(&mut self, tag: u32) -> Result<(), DecodeError> {
        self.cold_path(|r| r.skip_value(tag).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        let mut r = Reader::new(&[0x96, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(r.read_varint64().unwrap(), 150);
        assert_eq!(r.read_varint64().unwrap(), 0);
        assert_eq!(r.read_varint32().unwrap(), u32::MAX);
        assert!(r.is_empty());
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(Reader::new(&max).read_varint64().unwrap(), u64::MAX);
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            Reader::new(&over).read_varint64().unwrap_err().kind(),
            &Kind::VarintOverflow
        );
        let long = [0xff; 11];
        assert_eq!(
            Reader::new(&long).read_varint64().unwrap_err().kind(),
            &Kind::VarintOverflow
        );
        assert_eq!(
            Reader::new(&[0x80]).read_varint64().unwrap_err().kind(),
            &Kind::Truncated
        );
    }

    #[test]
    fn unbounded_varint_decode_agrees_with_the_byte_loop() {
        let mut out = [0u8; 10];
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) | 0x55] {
                let n = wire::encode_varint(v, &mut out);
                let mut padded = [0xffu8; 10];
                padded[..n].copy_from_slice(&out[..n]);
                if n < 10 {
                    padded[n..].fill(0x80);
                }
                assert_eq!(decode_varint_unbounded(&padded).unwrap(), (v, n), "{v}");
                let mut short = out[..n].to_vec();
                short.push(0);
                assert_eq!(Reader::new(&short).read_varint64().unwrap(), v);
            }
        }
        assert_eq!(
            decode_varint_unbounded(&[0xff; 10]).unwrap_err().kind(),
            &Kind::VarintOverflow
        );
    }

    #[test]
    fn utf8_fast_path_agrees_with_std() {
        let cases: [&[u8]; 6] = [
            b"",
            b"plain ascii, longer than eight bytes",
            "h\u{e9}llo w\u{f6}rld \u{1f600}".as_bytes(),
            b"ascii then \xff",
            b"12345678\xc3",
            b"1234567\xc3\xa9",
        ];
        for case in cases {
            assert_eq!(
                validate_utf8(case),
                core::str::from_utf8(case).ok(),
                "{case:?}"
            );
        }
    }

    /// A high bit at any position of any length up to 40 is found (word, overlapping
    /// tail and short paths alike).
    #[test]
    fn ascii_check_finds_a_high_bit_anywhere() {
        for n in 0..40 {
            let mut bytes = vec![b'a'; n];
            assert!(is_ascii(&bytes), "{n}");
            for i in 0..n {
                bytes[i] = 0x80;
                assert!(!is_ascii(&bytes), "{n} {i}");
                bytes[i] = 0x7f;
                assert!(is_ascii(&bytes), "{n} {i}");
                bytes[i] = b'a';
            }
        }
    }

    /// `fast_tag` takes only one-byte tags with a field number and a wire type other
    /// than end-group, 6 or 7, and leaves everything else to `next_tag`.
    #[test]
    fn fast_tag_takes_only_plain_one_byte_tags() {
        for b in 0..=255u8 {
            let input = [b, 0x01];
            let mut r = Reader::new(&input);
            let tag = r.fast_tag();
            let plain = (8..0x80).contains(&b) && matches!(b & 7, 0 | 1 | 2 | 3 | 5);
            assert_eq!(tag, if plain { u32::from(b) } else { 0 }, "{b:#x}");
            assert_eq!(r.remaining().len(), if plain { 1 } else { 2 }, "{b:#x}");
        }
        assert_eq!(Reader::new(&[]).fast_tag(), 0);
        let mut r = Reader::new(&[0x12, 0x08]);
        assert!(!r.eat_tag(&[0x0a]));
        assert!(r.eat_tag(&[0x12]));
        assert_eq!(r.remaining(), [0x08]);
    }

    /// `count_run` counts the records of one field in a row from here, stops at
    /// another tag or at a malformed record, caps at 13, and does not move the reader.
    #[test]
    fn count_run_counts_a_run_of_records() {
        // Field 6 (tag 0x32) three times, then field 7.
        let input = [
            0x32, 0x02, b'a', b'b', 0x32, 0x00, 0x32, 0x01, b'c', 0x3a, 0x00,
        ];
        let r = Reader::new(&input);
        assert_eq!(r.count_run(&[0x32]), 3);
        assert_eq!(r.remaining().len(), input.len());
        assert_eq!(r.count_run(&[0x3a]), 0);
        // A length past the end: that record is not counted.
        let short = [0x32, 0x01, b'a', 0x32, 0x05, b'x'];
        assert_eq!(Reader::new(&short).count_run(&[0x32]), 1);
        // Many empty records: the count stops at the cap.
        assert_eq!(
            Reader::new(&[0x32, 0x00].repeat(100)).count_run(&[0x32]),
            13
        );
    }

    /// Repeated messages and groups: each record becomes a new last element, after
    /// the ones already there, whatever the vector's capacity.
    #[test]
    fn repeated_messages_append_new_elements() {
        use crate::wkt::Duration;
        // Two messages (seconds = 1, then seconds = 2 and nanos = 3).
        let mut r = Reader::new(&[0x02, 0x08, 0x01, 0x04, 0x08, 0x02, 0x10, 0x03]);
        let mut values = vec![Duration {
            seconds: 9,
            ..Default::default()
        }];
        values.shrink_to_fit();
        r.merge_repeated_message(&mut values).unwrap();
        r.merge_repeated_message(&mut values).unwrap();
        assert!(r.is_empty());
        let got: Vec<(i64, i32)> = values.iter().map(|d| (d.seconds, d.nanos)).collect();
        assert_eq!(got, [(9, 0), (1, 0), (2, 3)]);
        // A group of field 1: seconds = 4, then its end-group tag.
        let mut r = Reader::new(&[0x08, 0x04, 0x0c]);
        r.merge_repeated_group(&mut values, 1).unwrap();
        assert_eq!(values.last().map(|d| d.seconds), Some(4));
        assert_eq!(values.len(), 4);
    }

    #[test]
    fn tags_are_validated() {
        assert_eq!(
            Reader::new(&[0x07]).next_tag(0).unwrap_err().kind(),
            &Kind::FieldNumberZero
        );
        assert_eq!(
            Reader::new(&[0x0e]).next_tag(0).unwrap_err().kind(),
            &Kind::InvalidWireType(6)
        );
        assert_eq!(
            Reader::new(&[0x0c]).next_tag(0).unwrap_err().kind(),
            &Kind::UnexpectedEndGroup { field_number: 1 }
        );
        assert_eq!(Reader::new(&[0x0c]).next_tag(1).unwrap(), None);
        assert_eq!(
            Reader::new(&[]).next_tag(1).unwrap_err().kind(),
            &Kind::UnterminatedGroup { field_number: 1 }
        );
    }

    #[test]
    fn length_past_end_is_rejected_before_allocating() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]);
        assert!(matches!(
            r.read_bytes().unwrap_err().kind(),
            Kind::LengthOutOfBounds { remaining: 2, .. }
        ));
    }

    #[test]
    fn nested_groups_hit_the_recursion_limit() {
        // 200 nested start-group tags for field 1.
        let input = vec![0x0b; 200];
        let mut r = Reader::new(&input);
        let tag = r.next_tag(0).unwrap().unwrap();
        assert_eq!(
            r.skip_value(tag).unwrap_err().kind(),
            &Kind::RecursionLimitExceeded
        );
    }
}
