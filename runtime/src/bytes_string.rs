//! [`BytesString`]: an immutable UTF-8 string held in a [`bytes::Bytes`], the type of
//! string fields generated with the option `string=bytes`. Decoding with
//! [`crate::Message::decode_bytes`] slices the input for them instead of copying, as
//! `bytes=bytes` does for bytes fields.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;
use core::str::Utf8Error;

use bytes::Bytes;

/// An immutable UTF-8 string in a [`Bytes`]: cheap to clone (a reference count), and a
/// slice of the input when decoded with [`crate::Message::decode_bytes`].
///
/// It reads as a `&str` (`Deref<Target = str>`) and compares, orders and hashes as one,
/// so a `HashMap<BytesString, V>` is looked up by `&str`.
///
/// ```
/// use rsfast::BytesString;
/// let s = BytesString::from("hello"); // static: no copy, no allocation
/// assert_eq!(s, "hello");
/// assert!(s.starts_with("he"));
/// let owned = BytesString::from(String::from("world")); // takes the allocation
/// assert_eq!(owned.len(), 5);
/// assert!(BytesString::from_utf8(rsfast::bytes::Bytes::from_static(b"\xff")).is_err());
/// ```
#[derive(Clone, Default)]
pub struct BytesString {
    /// Always valid UTF-8.
    bytes: Bytes,
}

/// The error of [`BytesString::from_utf8`]: the bytes were not UTF-8. They are handed
/// back by [`FromUtf8Error::into_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromUtf8Error {
    bytes: Bytes,
    error: Utf8Error,
}

impl FromUtf8Error {
    /// The bytes that were not UTF-8.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Where the UTF-8 went wrong.
    pub fn utf8_error(&self) -> Utf8Error {
        self.error
    }
}

impl fmt::Display for FromUtf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for FromUtf8Error {}

impl BytesString {
    /// The empty string (no allocation).
    #[inline]
    pub const fn new() -> Self {
        BytesString {
            bytes: Bytes::new(),
        }
    }

    /// A string pointing at static text: no copy, no allocation.
    #[inline]
    pub const fn from_static(s: &'static str) -> Self {
        BytesString {
            bytes: Bytes::from_static(s.as_bytes()),
        }
    }

    /// A copy of `s` (one allocation unless it is empty).
    #[inline]
    pub fn copy_from_str(s: &str) -> Self {
        BytesString {
            bytes: Bytes::copy_from_slice(s.as_bytes()),
        }
    }

    /// `bytes` as a string, after checking that they are UTF-8; no copy.
    #[inline]
    pub fn from_utf8(bytes: Bytes) -> Result<Self, FromUtf8Error> {
        match core::str::from_utf8(&bytes) {
            Ok(_) => Ok(BytesString { bytes }),
            Err(error) => Err(FromUtf8Error { bytes, error }),
        }
    }

    /// `bytes` as a string, unchecked.
    ///
    /// # Safety
    ///
    /// `bytes` must be valid UTF-8: every other method relies on it.
    #[inline]
    pub unsafe fn from_utf8_unchecked(bytes: Bytes) -> Self {
        debug_assert!(core::str::from_utf8(&bytes).is_ok());
        BytesString { bytes }
    }

    /// The string as a `&str`.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes are valid UTF-8 (the type's invariant, kept by every
        // constructor).
        unsafe { core::str::from_utf8_unchecked(&self.bytes) }
    }

    /// The `Bytes` holding the string (clone it to share it).
    #[inline]
    pub fn as_bytes_shared(&self) -> &Bytes {
        &self.bytes
    }

    /// The `Bytes` holding the string.
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The part `subset` of this string, sharing its memory.
    ///
    /// # Panics
    ///
    /// If `subset` is not a slice of `self` (as [`Bytes::slice_ref`]).
    #[inline]
    pub fn slice_ref(&self, subset: &str) -> Self {
        // A subslice of a `&str` is itself a `&str`: its ends are char boundaries.
        BytesString {
            bytes: self.bytes.slice_ref(subset.as_bytes()),
        }
    }

    /// Makes the string empty (releasing its share of the buffer).
    #[inline]
    pub fn clear(&mut self) {
        self.bytes.clear();
    }
}

impl Deref for BytesString {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for BytesString {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for BytesString {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Borrow<str> for BytesString {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for BytesString {
    /// Takes the string's allocation: no copy.
    #[inline]
    fn from(s: String) -> Self {
        BytesString {
            bytes: Bytes::from(s.into_bytes()),
        }
    }
}

impl From<&'static str> for BytesString {
    /// Points at the static text: no copy.
    #[inline]
    fn from(s: &'static str) -> Self {
        BytesString::from_static(s)
    }
}

impl From<Box<str>> for BytesString {
    #[inline]
    fn from(s: Box<str>) -> Self {
        String::from(s).into()
    }
}

impl TryFrom<Bytes> for BytesString {
    type Error = FromUtf8Error;
    #[inline]
    fn try_from(bytes: Bytes) -> Result<Self, FromUtf8Error> {
        BytesString::from_utf8(bytes)
    }
}

impl TryFrom<Vec<u8>> for BytesString {
    type Error = FromUtf8Error;
    #[inline]
    fn try_from(bytes: Vec<u8>) -> Result<Self, FromUtf8Error> {
        BytesString::from_utf8(Bytes::from(bytes))
    }
}

impl From<BytesString> for Bytes {
    #[inline]
    fn from(s: BytesString) -> Bytes {
        s.bytes
    }
}

impl From<BytesString> for String {
    /// Without a copy when the string owns its whole buffer alone (as one made from a
    /// `String`); a copy otherwise.
    #[inline]
    fn from(s: BytesString) -> String {
        let bytes = Vec::from(s.bytes);
        // SAFETY: the bytes are valid UTF-8 (the type's invariant).
        unsafe { String::from_utf8_unchecked(bytes) }
    }
}

impl core::str::FromStr for BytesString {
    type Err = core::convert::Infallible;
    #[inline]
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(BytesString::copy_from_str(s))
    }
}

impl PartialEq for BytesString {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for BytesString {}

impl PartialOrd for BytesString {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BytesString {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for BytesString {
    /// As `str` hashes: consistent with `Borrow<str>`.
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for BytesString {
            #[inline]
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == &other[..]
            }
        }
        impl PartialEq<BytesString> for $other {
            #[inline]
            fn eq(&self, other: &BytesString) -> bool {
                &self[..] == other.as_str()
            }
        }
        impl PartialOrd<$other> for BytesString {
            #[inline]
            fn partial_cmp(&self, other: &$other) -> Option<Ordering> {
                Some(self.as_str().cmp(&other[..]))
            }
        }
        impl PartialOrd<BytesString> for $other {
            #[inline]
            fn partial_cmp(&self, other: &BytesString) -> Option<Ordering> {
                Some((&self[..]).cmp(other.as_str()))
            }
        }
    )*};
}
eq_with!(str, &str, String);

impl fmt::Debug for BytesString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for BytesString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};
    use std::hash::BuildHasher;

    #[test]
    fn constructors_keep_utf8() {
        assert_eq!(BytesString::new(), "");
        assert_eq!(BytesString::default(), "");
        assert_eq!(BytesString::from_static("héllo"), "héllo");
        assert_eq!(BytesString::copy_from_str("a😀"), "a😀");
        let ok = BytesString::from_utf8(Bytes::from_static("é".as_bytes())).unwrap();
        assert_eq!(ok.as_str(), "é");
        let bad = BytesString::from_utf8(Bytes::from_static(b"a\xc3")).unwrap_err();
        assert_eq!(bad.utf8_error().valid_up_to(), 1);
        assert_eq!(bad.clone().into_bytes(), &b"a\xc3"[..]);
        assert!(!bad.to_string().is_empty());
        assert!(BytesString::try_from(vec![0xff]).is_err());
        assert_eq!(BytesString::try_from(b"ab".to_vec()).unwrap(), "ab");
        assert_eq!("xy".parse::<BytesString>().unwrap(), "xy");
        assert_eq!(BytesString::from(Box::<str>::from("box")), "box");
        // SAFETY: ASCII.
        let unchecked = unsafe { BytesString::from_utf8_unchecked(Bytes::from_static(b"u")) };
        assert_eq!(unchecked, "u");
    }

    #[test]
    fn conversions_do_not_copy() {
        let static_text = "static text";
        let s = BytesString::from(static_text);
        assert_eq!(s.as_ptr(), static_text.as_ptr());
        let owned = String::from("owned text");
        let ptr = owned.as_ptr();
        let s = BytesString::from(owned);
        assert_eq!(s.as_ptr(), ptr);
        assert_eq!(s.as_bytes_shared().as_ptr(), ptr);
        // The sole owner of a whole buffer gives it back as a String.
        let back = String::from(s);
        assert_eq!(back, "owned text");
        assert_eq!(back.as_ptr(), ptr);
        let s = BytesString::from(back);
        let bytes = Bytes::from(s.clone());
        assert_eq!(bytes.as_ptr(), ptr);
        assert_eq!(s.into_bytes(), bytes);
        // Shared or static: String::from copies, still the same text.
        let shared = BytesString::from("shared");
        let _other = shared.clone();
        assert_eq!(String::from(shared), "shared");
    }

    #[test]
    fn slices_share_memory() {
        let s = BytesString::from(String::from("key=value"));
        let (_, value) = s.split_once('=').unwrap();
        let v = s.slice_ref(value);
        assert_eq!(v, "value");
        assert_eq!(v.as_ptr(), value.as_ptr());
        let mut v = v;
        v.clear();
        assert!(v.is_empty());
        assert_eq!(s, "key=value");
    }

    #[test]
    fn compares_orders_and_hashes_as_str() {
        let a = BytesString::from("apple");
        let b = BytesString::from(String::from("banana"));
        assert_eq!(a.partial_cmp(&b), Some(Ordering::Less));
        assert_eq!(b.cmp(&a), Ordering::Greater);
        assert_eq!(a.cmp(&a.clone()), Ordering::Equal);
        assert_eq!(a, "apple");
        assert_eq!(a, *"apple");
        assert_eq!(a, String::from("apple"));
        assert_eq!("apple", a);
        assert_eq!(*"apple", a);
        assert_eq!(String::from("apple"), a);
        assert_eq!(a.partial_cmp("b"), Some(Ordering::Less));
        assert_eq!(a.partial_cmp(&"b"), Some(Ordering::Less));
        assert_eq!("b".partial_cmp(&a), Some(Ordering::Greater));
        assert_eq!(a.partial_cmp(&String::from("b")), Some(Ordering::Less));
        assert_eq!(String::from("b").partial_cmp(&a), Some(Ordering::Greater));
        let hasher = std::collections::hash_map::RandomState::new();
        assert_eq!(hasher.hash_one(&a), hasher.hash_one("apple"));
        let mut map = HashMap::new();
        map.insert(a.clone(), 1);
        map.insert(b.clone(), 2);
        assert_eq!(map.get("banana"), Some(&2));
        assert_eq!(map.get("cherry"), None);
        let tree: BTreeMap<BytesString, i32> = map.into_iter().collect();
        assert_eq!(tree.keys().collect::<Vec<_>>(), [&a, &b]);
        assert_eq!(tree.get("apple"), Some(&1));
    }

    #[test]
    fn formats_as_str() {
        let s = BytesString::from("a\"b\n");
        assert_eq!(format!("{s:?}"), format!("{:?}", "a\"b\n"));
        assert_eq!(format!("{s}"), "a\"b\n");
        assert_eq!(format!("{:>6}", BytesString::from("ab")), "    ab");
        let r: &str = s.as_ref();
        let b: &[u8] = s.as_ref();
        assert_eq!(r.as_bytes(), b);
    }
}
