//! Bitwise float equality for the `float_eq=bitwise` option: messages with float fields
//! then implement `Eq` and `Hash` by comparing and hashing the floats' bit patterns
//! (so `NaN` equals a `NaN` with the same bits, and `0.0 != -0.0`), which is a lawful
//! equivalence where IEEE `==` is not.

use core::hash::{Hash, Hasher};
use std::collections::{BTreeMap, HashMap};

/// Equality by bit pattern for floats, and containers of them.
pub trait BitEq {
    fn bit_eq(&self, other: &Self) -> bool;
}

/// Hashing consistent with [`BitEq`].
pub trait BitHash {
    fn bit_hash<H: Hasher>(&self, state: &mut H);
}

macro_rules! float {
    ($($t:ty),*) => {$(
        impl BitEq for $t {
            #[inline]
            fn bit_eq(&self, other: &Self) -> bool {
                self.to_bits() == other.to_bits()
            }
        }
        impl BitHash for $t {
            #[inline]
            fn bit_hash<H: Hasher>(&self, state: &mut H) {
                self.to_bits().hash(state)
            }
        }
    )*};
}
float!(f32, f64);

impl<T: BitEq> BitEq for Option<T> {
    fn bit_eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.bit_eq(b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<T: BitHash> BitHash for Option<T> {
    fn bit_hash<H: Hasher>(&self, state: &mut H) {
        self.is_some().hash(state);
        if let Some(v) = self {
            v.bit_hash(state);
        }
    }
}

impl<T: BitEq> BitEq for Vec<T> {
    fn bit_eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.bit_eq(b))
    }
}

impl<T: BitHash> BitHash for Vec<T> {
    fn bit_hash<H: Hasher>(&self, state: &mut H) {
        self.len().hash(state);
        for v in self {
            v.bit_hash(state);
        }
    }
}

impl<K: Ord, V: BitEq> BitEq for BTreeMap<K, V> {
    fn bit_eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other)
                .all(|((ka, va), (kb, vb))| ka == kb && va.bit_eq(vb))
    }
}

impl<K: Hash, V: BitHash> BitHash for BTreeMap<K, V> {
    fn bit_hash<H: Hasher>(&self, state: &mut H) {
        self.len().hash(state);
        for (k, v) in self {
            k.hash(state);
            v.bit_hash(state);
        }
    }
}

impl<K: Eq + Hash, V: BitEq, S: core::hash::BuildHasher> BitEq for HashMap<K, V, S> {
    fn bit_eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v.bit_eq(w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_compare_by_bits() {
        assert!(f64::NAN.bit_eq(&f64::NAN));
        assert!(!0.0f32.bit_eq(&-0.0));
        assert!(vec![1.5f32].bit_eq(&vec![1.5]));
        assert!(!Some(1.0f64).bit_eq(&None));
        let a = HashMap::from([(1, f64::NAN)]);
        assert!(a.bit_eq(&a.clone()));
        let b = BTreeMap::from([(1, 2.0f32)]);
        assert!(!b.bit_eq(&BTreeMap::from([(1, 3.0f32)])));
    }
}
