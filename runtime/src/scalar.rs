//! One codec per scalar protobuf type. Generated code names the codec of each field
//! statically (`::rsfast::scalar::Sint32::read(r)`), so every call is monomorphic and
//! inlined: no per-field dispatch.

use crate::enums::{Enum as EnumTrait, OpenEnum};
use crate::error::DecodeErrorKind;
use crate::wire::{self, WireType};
use crate::{DecodeError, Reader, Writer};

/// How one scalar protobuf type is written and sized.
pub trait ScalarWrite {
    /// The Rust type of a field of this protobuf type.
    type Value: Copy;
    /// The wire type of one unpacked value.
    const WIRE_TYPE: WireType;
    /// The size of every value for fixed-width types, 0 for varints.
    const FIXED_LEN: usize;

    fn write(writer: &mut Writer<'_>, value: Self::Value);
    fn len(value: Self::Value) -> usize;

    /// Writes one record: `value`, then (in front) the tag bytes `tag`.
    #[inline]
    fn write_tagged(writer: &mut Writer<'_>, tag: &[u8], value: Self::Value) {
        Self::write(writer, value);
        writer.put_slice(tag);
    }

    /// The size of the packed payload (without tag and length prefix).
    #[inline]
    fn packed_len(values: &[Self::Value]) -> usize {
        if Self::FIXED_LEN > 0 {
            values.len() * Self::FIXED_LEN
        } else {
            values.iter().map(|v| Self::len(*v)).sum()
        }
    }

    /// The packed payload of `values` as it is in memory, where that is their encoding
    /// (fixed-width types on little-endian targets).
    #[inline]
    fn packed_bytes(values: &[Self::Value]) -> Option<&[u8]> {
        let _ = values;
        None
    }

    /// Writes `values` as one packed record with tag bytes `tag` (back to front).
    #[inline]
    fn write_packed(writer: &mut Writer<'_>, tag: &[u8], values: &[Self::Value]) {
        if let Some(bytes) = Self::packed_bytes(values) {
            writer.put_tagged_bytes(tag, bytes);
            return;
        }
        let end = writer.remaining();
        for v in values.iter().rev() {
            Self::write(writer, *v);
        }
        writer.put_tagged_varint(tag, (end - writer.remaining()) as u64);
    }

    /// Writes `values` as one record each with tag bytes `tag` (back to front).
    #[inline]
    fn write_unpacked(writer: &mut Writer<'_>, tag: &[u8], values: &[Self::Value]) {
        for v in values.iter().rev() {
            Self::write_tagged(writer, tag, *v);
        }
    }
}

/// How one scalar protobuf type is read.
pub trait Scalar: ScalarWrite {
    fn read(reader: &mut Reader<'_>) -> Result<Self::Value, DecodeError>;

    /// Appends to `values` from a packed (wire type 2) or an unpacked record: the spec
    /// requires parsers to accept both whatever the field declares.
    #[inline]
    fn merge_repeated(
        reader: &mut Reader<'_>,
        tag: u32,
        values: &mut Vec<Self::Value>,
    ) -> Result<(), DecodeError> {
        if tag & 7 != WireType::Len as u32 {
            values.push(Self::read(reader)?);
            return Ok(());
        }
        Self::read_packed(reader.read_bytes()?, values)
    }

    /// Appends the values of a packed payload. Reserves exactly from the bytes that
    /// are there: never more than the input justifies, and no regrowth while pushing.
    fn read_packed(payload: &[u8], values: &mut Vec<Self::Value>) -> Result<(), DecodeError>;
}

/// The number of varints in `bytes`: every varint ends with exactly one byte below 0x80.
#[inline]
fn count_varints(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut count = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        count += (!word & 0x8080_8080_8080_8080).count_ones() as usize;
    }
    count + chunks.remainder().iter().filter(|&&b| b < 0x80).count()
}

/// Makes room for `additional` more values. A vector without an allocation (a fresh
/// message's field) gets exactly that many: `Vec::with_capacity` is a plain allocation,
/// where `reserve` on it takes the out-of-line amortized growth path (PackedTile, three
/// packed fields a cell: about 50 instructions a field).
#[inline]
fn reserve_for<T>(values: &mut Vec<T>, additional: usize) {
    if values.capacity() == 0 {
        *values = Vec::with_capacity(additional);
    } else {
        values.reserve(additional);
    }
}

/// Decodes every varint of a packed payload, without a bounds check per byte while ten
/// or more bytes remain.
#[inline]
fn read_packed_varints<T>(
    payload: &[u8],
    values: &mut Vec<T>,
    convert: impl Fn(u64) -> T,
) -> Result<(), DecodeError> {
    reserve_for(values, count_varints(payload));
    let mut rest = payload;
    while let Some(head) = rest.first_chunk::<10>() {
        // One- and two-byte values by branches (short ids and counts are most packed
        // data), longer ones branch-free.
        let (value, len) = if head[0] < 0x80 {
            (u64::from(head[0]), 1)
        } else if head[1] < 0x80 {
            (u64::from(head[0] & 0x7f) | (u64::from(head[1]) << 7), 2)
        } else {
            crate::reader::decode_varint_unbounded(head)?
        };
        values.push(convert(value));
        rest = &rest[len..];
    }
    let mut tail = Reader::new(rest);
    while !tail.is_empty() {
        values.push(convert(tail.read_varint64()?));
    }
    Ok(())
}

/// The Rust types of fixed-width fields: `N`-byte numbers for which every bit pattern
/// is a valid value, so on a little-endian target a slice of them is its own packed
/// encoding.
///
/// # Safety
///
/// Implement only for primitive numbers of exactly `N` bytes with no invalid bit
/// patterns and no padding.
unsafe trait PlainNumber<const N: usize>: Copy {}
// SAFETY: primitive numbers of 4 and 8 bytes: every bit pattern is a value, no padding.
unsafe impl PlainNumber<4> for u32 {}
// SAFETY: as above.
unsafe impl PlainNumber<4> for i32 {}
// SAFETY: as above.
unsafe impl PlainNumber<4> for f32 {}
// SAFETY: as above.
unsafe impl PlainNumber<8> for u64 {}
// SAFETY: as above.
unsafe impl PlainNumber<8> for i64 {}
// SAFETY: as above.
unsafe impl PlainNumber<8> for f64 {}

/// Decodes a packed payload of fixed-width values: one copy on little-endian targets,
/// a copy-and-convert loop elsewhere.
#[inline]
fn read_packed_fixed<const N: usize, T: PlainNumber<N>>(
    payload: &[u8],
    values: &mut Vec<T>,
    convert: impl Fn([u8; N]) -> T,
) -> Result<(), DecodeError> {
    if payload.len() % N != 0 {
        return Err(DecodeError::new(DecodeErrorKind::InvalidPackedLength));
    }
    let count = payload.len() / N;
    if cfg!(target_endian = "little") {
        debug_assert_eq!(core::mem::size_of::<T>(), N);
        reserve_for(values, count);
        let spare = &mut values.spare_capacity_mut()[..count];
        // SAFETY: `spare` holds `count` values of `N` bytes (`PlainNumber`), exactly
        // `payload.len()` bytes, and cannot overlap the borrowed input. On a
        // little-endian target those bytes are the values (every bit pattern valid),
        // so the first `count` spare slots are initialized before `set_len`.
        unsafe {
            core::ptr::copy_nonoverlapping(
                payload.as_ptr(),
                spare.as_mut_ptr().cast::<u8>(),
                payload.len(),
            );
            values.set_len(values.len() + count);
        }
    } else {
        values.extend(
            payload
                .chunks_exact(N)
                .map(|chunk| convert(chunk.try_into().expect("chunks are N bytes"))),
        );
    }
    Ok(())
}

/// The packed encoding of fixed-width `values` on a little-endian target: their memory.
#[inline]
fn fixed_as_bytes<const N: usize, T: PlainNumber<N>>(values: &[T]) -> Option<&[u8]> {
    if cfg!(target_endian = "little") {
        // SAFETY: `PlainNumber` values are `N` initialized bytes without padding, so
        // the slice's memory is `len * N` initialized bytes, borrowed for as long.
        Some(unsafe {
            core::slice::from_raw_parts(
                values.as_ptr().cast::<u8>(),
                core::mem::size_of_val(values),
            )
        })
    } else {
        None
    }
}

/// The packed size of 32-bit varint values, given as their low 32 bits; with
/// `sign_extended` (`int32`, enums) a negative value takes ten bytes. Compares instead
/// of a bit scan per value, so the loop vectorizes (several times faster than summing
/// `varint_len`).
#[inline]
fn packed_len32<T: Copy>(values: &[T], bits: impl Fn(T) -> u32, sign_extended: bool) -> usize {
    // At most 10 bytes a value: a chunk's sum fits in a u32.
    values
        .chunks(1 << 24)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&v| {
                    let u = bits(v);
                    let negative = if sign_extended { 5 * (u >> 31) } else { 0 };
                    1 + u32::from(u >= 1 << 7)
                        + u32::from(u >= 1 << 14)
                        + u32::from(u >= 1 << 21)
                        + u32::from(u >= 1 << 28)
                        + negative
                })
                .sum::<u32>() as usize
        })
        .sum()
}

macro_rules! varint_scalar {
    ($(#[$doc:meta])* $name:ident, $ty:ty, |$r:ident| $read:expr, |$w:ident| $write:expr
     $(, packed32 = |$p:ident| $bits:expr, sign_extended = $signed:expr)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Scalar for $name {
            #[inline]
            fn read(reader: &mut Reader<'_>) -> Result<$ty, DecodeError> {
                let $r = reader.read_varint64()?;
                Ok($read)
            }
            #[inline]
            fn read_packed(payload: &[u8], values: &mut Vec<$ty>) -> Result<(), DecodeError> {
                read_packed_varints(payload, values, |$r| $read)
            }
        }
        impl ScalarWrite for $name {
            type Value = $ty;
            const WIRE_TYPE: WireType = WireType::Varint;
            const FIXED_LEN: usize = 0;
            #[inline]
            fn write(writer: &mut Writer<'_>, value: $ty) {
                let $w = value;
                writer.put_varint($write);
            }
            #[inline]
            fn write_tagged(writer: &mut Writer<'_>, tag: &[u8], value: $ty) {
                let $w = value;
                writer.put_tagged_varint(tag, $write);
            }
            #[inline]
            fn len(value: $ty) -> usize {
                let $w = value;
                wire::varint_len($write)
            }
            $(
                #[inline]
                fn packed_len(values: &[$ty]) -> usize {
                    packed_len32(values, |$p: $ty| -> u32 { $bits }, $signed)
                }
            )?
        }
    };
}

varint_scalar!(
    /// `int32`: negative values take ten bytes (sign-extended to 64 bits).
    Int32, i32, |v| v as i32, |v| v as i64 as u64,
    packed32 = |v| v as u32, sign_extended = true
);
varint_scalar!(Int64, i64, |v| v as i64, |v| v as u64);
varint_scalar!(
    Uint32,
    u32,
    |v| v as u32,
    |v| u64::from(v),
    packed32 = |v| v,
    sign_extended = false
);
varint_scalar!(Uint64, u64, |v| v, |v| v);
varint_scalar!(
    Sint32,
    i32,
    |v| wire::zigzag_decode32(v as u32),
    |v| u64::from(wire::zigzag_encode32(v)),
    packed32 = |v| wire::zigzag_encode32(v),
    sign_extended = false
);
varint_scalar!(Sint64, i64, |v| wire::zigzag_decode64(v), |v| {
    wire::zigzag_encode64(v)
});
varint_scalar!(Bool, bool, |v| v != 0, |v| u64::from(v));

macro_rules! fixed_scalar {
    ($name:ident, $ty:ty, $bits:ty, $len:expr, $read:ident, $put:ident, $from:expr, $to:expr) => {
        #[derive(Debug)]
        pub struct $name;
        impl Scalar for $name {
            #[inline]
            fn read(reader: &mut Reader<'_>) -> Result<$ty, DecodeError> {
                // Called in place, not through a `fn` pointer, so it always inlines.
                reader.$read().map(|bits: $bits| -> $ty { ($from)(bits) })
            }
            #[inline]
            fn read_packed(payload: &[u8], values: &mut Vec<$ty>) -> Result<(), DecodeError> {
                read_packed_fixed::<$len, $ty>(payload, values, |b| -> $ty {
                    ($from)(<$bits>::from_le_bytes(b))
                })
            }
        }
        impl ScalarWrite for $name {
            type Value = $ty;
            const WIRE_TYPE: WireType = if $len == 4 {
                WireType::Fixed32
            } else {
                WireType::Fixed64
            };
            const FIXED_LEN: usize = $len;
            #[inline]
            fn write(writer: &mut Writer<'_>, value: $ty) {
                let bits: $bits = ($to)(value);
                writer.$put(bits);
            }
            #[inline]
            fn write_tagged(writer: &mut Writer<'_>, tag: &[u8], value: $ty) {
                let bits: $bits = ($to)(value);
                writer.put_tagged_slice(tag, &bits.to_le_bytes());
            }
            #[inline]
            fn len(_: $ty) -> usize {
                $len
            }
            #[inline]
            fn packed_bytes(values: &[$ty]) -> Option<&[u8]> {
                fixed_as_bytes::<$len, $ty>(values)
            }
        }
    };
}

fixed_scalar!(
    Fixed32,
    u32,
    u32,
    4,
    read_fixed32,
    put_fixed32,
    |v| v,
    |v| v
);
fixed_scalar!(
    Fixed64,
    u64,
    u64,
    8,
    read_fixed64,
    put_fixed64,
    |v| v,
    |v| v
);
fixed_scalar!(
    Sfixed32,
    i32,
    u32,
    4,
    read_fixed32,
    put_fixed32,
    |v| v as i32,
    |v| v as u32
);
fixed_scalar!(
    Sfixed64,
    i64,
    u64,
    8,
    read_fixed64,
    put_fixed64,
    |v| v as i64,
    |v| v as u64
);
fixed_scalar!(
    Float,
    f32,
    u32,
    4,
    read_fixed32,
    put_fixed32,
    f32::from_bits,
    f32::to_bits
);
fixed_scalar!(
    Double,
    f64,
    u64,
    8,
    read_fixed64,
    put_fixed64,
    f64::from_bits,
    f64::to_bits
);

/// An open enum: encoded like `int32`, any number accepted.
#[derive(Debug)]
pub struct Enum<E>(core::marker::PhantomData<E>);

impl<E: EnumTrait> Scalar for Enum<E> {
    #[inline]
    fn read(reader: &mut Reader<'_>) -> Result<OpenEnum<E>, DecodeError> {
        Int32::read(reader).map(OpenEnum::from_i32)
    }
    #[inline]
    fn read_packed(payload: &[u8], values: &mut Vec<OpenEnum<E>>) -> Result<(), DecodeError> {
        read_packed_varints(payload, values, |v| OpenEnum::from_i32(v as i32))
    }
}

impl<E: EnumTrait> ScalarWrite for Enum<E> {
    type Value = OpenEnum<E>;
    const WIRE_TYPE: WireType = WireType::Varint;
    const FIXED_LEN: usize = 0;
    #[inline]
    fn write(writer: &mut Writer<'_>, value: OpenEnum<E>) {
        Int32::write(writer, value.value());
    }
    #[inline]
    fn write_tagged(writer: &mut Writer<'_>, tag: &[u8], value: OpenEnum<E>) {
        Int32::write_tagged(writer, tag, value.value());
    }
    #[inline]
    fn len(value: OpenEnum<E>) -> usize {
        Int32::len(value.value())
    }
    #[inline]
    fn packed_len(values: &[OpenEnum<E>]) -> usize {
        packed_len32(values, |v| v.value() as u32, true)
    }
}

/// A closed enum's declared value, written like `int32`. It has no `Scalar` read:
/// [`crate::enums::read_closed`] routes undeclared numbers to the unknown fields.
#[derive(Debug)]
pub struct ClosedEnum<E>(core::marker::PhantomData<E>);

impl<E: EnumTrait> ScalarWrite for ClosedEnum<E> {
    type Value = E;
    const WIRE_TYPE: WireType = WireType::Varint;
    const FIXED_LEN: usize = 0;
    #[inline]
    fn write(writer: &mut Writer<'_>, value: E) {
        Int32::write(writer, value.to_i32());
    }
    #[inline]
    fn write_tagged(writer: &mut Writer<'_>, tag: &[u8], value: E) {
        Int32::write_tagged(writer, tag, value.to_i32());
    }
    #[inline]
    fn len(value: E) -> usize {
        Int32::len(value.to_i32())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed fixed-width values: read appends to what is there, write produces the
    /// little-endian bytes after the tag and length, whatever the target's byte order.
    #[test]
    fn packed_fixed_round_trips() {
        let payload: Vec<u8> = [1.5f64, -0.0, f64::MAX]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut values = vec![7.0f64];
        Double::read_packed(&payload, &mut values).unwrap();
        assert_eq!(values, [7.0, 1.5, -0.0, f64::MAX]);
        assert!(values[2].is_sign_negative());

        let mut out = [0u8; 2 + 16];
        let mut w = Writer::new(&mut out);
        Sfixed32::write_packed(&mut w, &[0x0a], &[-2, 0x0102_0304]);
        assert_eq!(w.remaining(), 8);
        assert_eq!(
            out[8..],
            [0x0a, 8, 0xfe, 0xff, 0xff, 0xff, 0x04, 0x03, 0x02, 0x01]
        );

        let mut floats = Vec::new();
        Float::read_packed(&out[10..], &mut floats).unwrap();
        assert_eq!(floats[0].to_bits(), (-2i32) as u32);
        assert_eq!(
            Float::read_packed(&out[10..17], &mut floats)
                .unwrap_err()
                .kind(),
            &DecodeErrorKind::InvalidPackedLength
        );
        assert_eq!(floats.len(), 2);
    }

    /// The vectorized 32-bit sizes agree with `varint_len` at every length boundary.
    #[test]
    fn packed_len32_agrees_with_varint_len() {
        let mut u32s = vec![0u32, u32::MAX];
        for shift in 0..32 {
            u32s.extend([1u32 << shift, (1u32 << shift) - 1, (1u32 << shift) | 1]);
        }
        let i32s: Vec<i32> = u32s.iter().map(|&u| u as i32).collect();
        let sum = |lens: &mut dyn Iterator<Item = usize>| lens.sum::<usize>();
        assert_eq!(
            Uint32::packed_len(&u32s),
            sum(&mut u32s.iter().map(|&v| Uint32::len(v)))
        );
        assert_eq!(
            Int32::packed_len(&i32s),
            sum(&mut i32s.iter().map(|&v| Int32::len(v)))
        );
        assert_eq!(
            Sint32::packed_len(&i32s),
            sum(&mut i32s.iter().map(|&v| Sint32::len(v)))
        );
        assert_eq!(Int32::packed_len(&[-1]), 10);
    }
}
