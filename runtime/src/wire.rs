//! Wire-format primitives: wire types, tags, varint sizes and zigzag.
//!
//! Everything here is `const` where it can be, so the generator can precompute tag bytes
//! and the compiler can fold sizes.

/// The six wire types of the protobuf binary format (6 and 7 are invalid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum WireType {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

impl WireType {
    /// The wire type in the low three bits of `tag`, or `None` for 6 and 7.
    #[inline]
    pub const fn of_tag(tag: u32) -> Option<WireType> {
        match tag & 7 {
            0 => Some(WireType::Varint),
            1 => Some(WireType::Fixed64),
            2 => Some(WireType::Len),
            3 => Some(WireType::StartGroup),
            4 => Some(WireType::EndGroup),
            5 => Some(WireType::Fixed32),
            _ => None,
        }
    }
}

/// The largest legal field number.
pub const MAX_FIELD_NUMBER: u32 = (1 << 29) - 1;

/// The tag (key) for `field_number` with `wire_type`.
#[inline]
pub const fn tag(field_number: u32, wire_type: WireType) -> u32 {
    (field_number << 3) | wire_type as u32
}

/// The field number of a tag.
#[inline]
pub const fn field_number(tag: u32) -> u32 {
    tag >> 3
}

/// Number of bytes the varint encoding of `value` takes (1..=10).
#[inline]
pub const fn varint_len(value: u64) -> usize {
    // log2(value) / 7 + 1, computed without a loop or division by 7.
    ((((value | 1).leading_zeros() ^ 63) * 9 + 73) / 64) as usize
}

/// Size of a length-delimited payload of `len` bytes, prefix included.
///
/// Most payloads (strings, small sub-messages) are under 128 bytes, and nearly all
/// the rest under 16 KiB: predictable branches to a one- or two-byte prefix beat the
/// bit scan, which is slow on some CPUs (BSR without LZCNT in the baseline x86-64
/// target) and sits on the dependency chain of a nested message's size.
#[inline]
pub const fn len_delimited_len(len: usize) -> usize {
    if len < 0x80 {
        len + 1
    } else if len < 0x4000 {
        len + 2
    } else {
        varint_len(len as u64) + len
    }
}

/// Varint size of an `int32`/`enum` value: negative values take ten bytes.
#[inline]
pub const fn int32_len(value: i32) -> usize {
    varint_len(value as i64 as u64)
}

#[inline]
pub const fn zigzag_encode32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

#[inline]
pub const fn zigzag_decode32(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

#[inline]
pub const fn zigzag_encode64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

#[inline]
pub const fn zigzag_decode64(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Encodes `value` as a varint at the start of `out`, returning the number of bytes used.
#[inline]
pub fn encode_varint(mut value: u64, out: &mut [u8; 10]) -> usize {
    let mut i = 0;
    while value >= 0x80 {
        out[i] = (value as u8) | 0x80;
        value >>= 7;
        i += 1;
    }
    out[i] = value as u8;
    i + 1
}

/// How many bytes the length prefix of a `len`-byte payload takes beyond one.
#[inline]
pub const fn prefix_excess(len: usize) -> usize {
    len_delimited_len(len) - len - 1
}

/// Runs `f` out of line, as an unlikely path: the code around the call stays
/// straight-line. Generated code corrects a size with it when a small message's length
/// prefix, counted as one byte, turns out longer.
#[cold]
#[inline(never)]
pub fn cold<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Size of a nested message whose type contains the message holding it (a tree's
/// node), with its length prefix.
///
/// Out of line on purpose: the generated `encoded_len` of such a type then does not
/// call itself directly, and LLVM inlines it into its callers, which it never does
/// with a directly recursive function (sizing a 12-byte leaf node was a call with a
/// prologue: 0.8× prost's time, whose recursion passes through `Option::map_or`).
#[inline(never)]
pub fn recursive_message_len<M: crate::Message>(message: &M) -> usize {
    len_delimited_len(message.encoded_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_len_matches_encoding() {
        let mut out = [0u8; 10];
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 1] {
                assert_eq!(varint_len(v), encode_varint(v, &mut out), "{v}");
            }
        }
        assert_eq!(varint_len(u64::MAX), 10);
        assert_eq!(varint_len(0), 1);
        assert_eq!(int32_len(-1), 10);
        for len in [0, 1, 127, 128, 16383, 16384, usize::MAX >> 8] {
            assert_eq!(
                len_delimited_len(len),
                varint_len(len as u64) + len,
                "{len}"
            );
        }
    }

    #[test]
    fn zigzag_round_trips() {
        for v in [0, 1, -1, i32::MAX, i32::MIN, 12345, -12345] {
            assert_eq!(zigzag_decode32(zigzag_encode32(v)), v);
            assert_eq!(zigzag_decode64(zigzag_encode64(v as i64)), v as i64);
        }
        assert_eq!(zigzag_encode32(-1), 1);
        assert_eq!(zigzag_encode32(1), 2);
        assert_eq!(zigzag_encode64(i64::MIN), u64::MAX);
    }
}
