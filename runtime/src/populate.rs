//! Random valid messages (the `populate` option, this crate's `populate` feature):
//! generated messages implement [`Populate`] and [`arbitrary::Arbitrary`], so they work
//! with cargo-fuzz, proptest (through `arbitrary`) and [`from_seed`].
//!
//! Instances are valid by construction: required fields are set, closed enums hold
//! declared values, strings are UTF-8, oneofs hold at most one member; floats are never
//! `NaN` (so an instance equals itself). Nesting stops after [`DEFAULT_DEPTH`] levels
//! of message fields and repeated fields hold at most [`MAX_REPEATED`] values, so
//! recursive messages stay small.

pub use arbitrary;
use arbitrary::{Arbitrary, Result, Unstructured};

use crate::{Enum, OpenEnum};

/// How many levels of optional and repeated message fields [`from_seed`] and the
/// `Arbitrary` impls fill.
pub const DEFAULT_DEPTH: u32 = 3;

/// The most values a populated repeated or map field holds.
pub const MAX_REPEATED: usize = 4;

/// A message that can be filled with random valid values.
pub trait Populate: Sized {
    /// A random instance; message fields are left unset below `depth` levels (required
    /// ones excepted, filled as shallowly as they can be).
    fn populate(u: &mut Unstructured<'_>, depth: u32) -> Result<Self>;
}

/// A random instance of `M` determined by `seed`: the same seed gives the same message.
pub fn from_seed<M: Populate>(seed: u64) -> M {
    let data = seeded_bytes(seed, 4096);
    let mut u = Unstructured::new(&data);
    // Running out of data makes `arbitrary` return defaults, not errors; the only
    // errors left would be from empty choices, which the generated code never makes.
    M::populate(&mut u, DEFAULT_DEPTH).expect("populate never fails on seeded data")
}

/// `len` pseudo-random bytes from `seed` (splitmix64).
fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Any value of a scalar type, full range.
#[inline]
pub fn value<'a, T: Arbitrary<'a>>(u: &mut Unstructured<'a>) -> Result<T> {
    T::arbitrary(u)
}

/// Any `f32` but `NaN`.
pub fn float32(u: &mut Unstructured<'_>) -> Result<f32> {
    let v = f32::from_bits(u32::arbitrary(u)?);
    Ok(if v.is_nan() { 0.0 } else { v })
}

/// Any `f64` but `NaN`.
pub fn float64(u: &mut Unstructured<'_>) -> Result<f64> {
    let v = f64::from_bits(u64::arbitrary(u)?);
    Ok(if v.is_nan() { 0.0 } else { v })
}

pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    String::arbitrary(u)
}

/// A string for fields generated as `rsfast::BytesString` (option `string=bytes`).
pub fn shared_string(u: &mut Unstructured<'_>) -> Result<crate::BytesString> {
    string(u).map(crate::BytesString::from)
}

pub fn byte_vec(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    Vec::<u8>::arbitrary(u)
}

pub fn shared_bytes(u: &mut Unstructured<'_>) -> Result<bytes::Bytes> {
    byte_vec(u).map(bytes::Bytes::from)
}

/// An open enum: any number, declared or not.
pub fn open_enum<E>(u: &mut Unstructured<'_>) -> Result<OpenEnum<E>>
where
    E: Enum,
{
    Ok(OpenEnum::from_i32(i32::arbitrary(u)?))
}

/// A closed enum: one of its declared `values`.
pub fn closed_enum<E: Copy>(u: &mut Unstructured<'_>, values: &[E]) -> Result<E> {
    u.choose(values).copied()
}

/// Whether to set an optional field.
pub fn present(u: &mut Unstructured<'_>) -> Result<bool> {
    bool::arbitrary(u)
}

/// How many values a repeated or map field gets: 0 to [`MAX_REPEATED`].
pub fn count(u: &mut Unstructured<'_>) -> Result<usize> {
    u.int_in_range(0..=MAX_REPEATED)
}

/// Which member of a oneof with `members` members to set: 0 for none.
pub fn choice(u: &mut Unstructured<'_>, members: u32) -> Result<u32> {
    u.int_in_range(0..=members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_reproducible_and_differ() {
        assert_eq!(seeded_bytes(7, 64), seeded_bytes(7, 64));
        assert_ne!(seeded_bytes(7, 64), seeded_bytes(8, 64));
        let data = seeded_bytes(1, 4096);
        let mut u = Unstructured::new(&data);
        for _ in 0..1000 {
            assert!(!float64(&mut u).unwrap().is_nan());
            assert!(count(&mut u).unwrap() <= MAX_REPEATED);
        }
    }
}
