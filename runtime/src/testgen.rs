//! The checks behind the tests the `tests` option generates (this crate's `testgen`
//! feature): for every message, [`check_message`] populates instances from [`SEEDS`]
//! seeds and checks each with [`check_instance`].

use core::fmt::Debug;

use crate::populate::{from_seed, Populate};
use crate::Message;

/// How many random instances each generated test checks.
pub const SEEDS: u64 = 48;

/// At most this many truncations of each encoding are decoded (spread over its length).
const MAX_TRUNCATIONS: usize = 256;

/// Checks [`SEEDS`] populated instances of `M`, each also merged with the next.
pub fn check_message<M>()
where
    M: Message + Populate + PartialEq + Debug + Clone,
{
    for seed in 0..SEEDS {
        let message: M = from_seed(seed);
        check_instance(&message);
        check_merge(&message, &from_seed(seed + SEEDS));
    }
}

/// Round trips through every encode and decode path, `encoded_len`, `Debug`, and
/// decoding every (or, for long encodings, evenly spread) truncation without panicking.
pub fn check_instance<M>(message: &M)
where
    M: Message + PartialEq + Debug,
{
    let encoded = message.encode_to_vec();
    assert_eq!(
        message.encoded_len(),
        encoded.len(),
        "encoded_len disagrees with the encoding of {message:?}"
    );
    let decoded =
        M::decode(&encoded).unwrap_or_else(|e| panic!("decoding the encoding of {message:?}: {e}"));
    assert_eq!(&decoded, message, "decode(encode(m)) != m");
    let shared = M::decode_bytes(&bytes::Bytes::from(encoded.clone()))
        .unwrap_or_else(|e| panic!("decode_bytes of {message:?}: {e}"));
    assert_eq!(&shared, message, "decode_bytes(encode(m)) != m");

    let delimited = message.encode_length_delimited_to_vec();
    let mut rest = &delimited[..];
    let back = M::decode_length_delimited(&mut rest)
        .unwrap_or_else(|e| panic!("length-delimited decode of {message:?}: {e}"));
    assert!(rest.is_empty(), "length-delimited decode left bytes");
    assert_eq!(&back, message, "length-delimited round trip");

    assert!(!format!("{message:?}").is_empty());
    assert!(!format!("{message:#?}").is_empty());

    let step = encoded.len().div_ceil(MAX_TRUNCATIONS).max(1);
    for len in (0..encoded.len()).step_by(step) {
        // Must not panic; whether a prefix decodes depends on where it ends.
        let _ = M::decode(&encoded[..len]);
    }
}

/// Decoding two concatenated encodings equals decoding the first and merging the second.
pub fn check_merge<M>(first: &M, second: &M)
where
    M: Message + PartialEq + Debug + Clone,
{
    let mut concatenated = first.encode_to_vec();
    let second_encoded = second.encode_to_vec();
    concatenated.extend_from_slice(&second_encoded);
    let decoded = M::decode(&concatenated)
        .unwrap_or_else(|e| panic!("decoding two concatenated encodings: {e}"));
    let mut merged = first.clone();
    merged
        .merge(&second_encoded)
        .unwrap_or_else(|e| panic!("merging {second:?}: {e}"));
    assert_eq!(decoded, merged, "decode(a ++ b) != a.merge(b)");
}
