//! Decodes arbitrary bytes as several rich message types. Decoding may fail, but must
//! not panic; a message that decodes must re-encode to exactly `encoded_len` bytes
//! that decode to an equal message.
//!
//! Run with `cargo +nightly fuzz run decode` from the repository root.
#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use rsfast::Message;
use rsfast_tests::rsfast_gen::rsfast::test::{Maps, Oneofs, Repeated, Tree};
use rsfast_tests::rsfast_gen::rsfast::test2::{Closed, Groups};

fuzz_target!(|data: &[u8]| {
    // No maps: the encoding is deterministic. Floats: NaN defeats `==`.
    check::<Repeated>(data, Encoding::Deterministic, |a, b| a == b);
    check::<Oneofs>(data, Encoding::Deterministic, |a, b| a == b);
    check::<Groups>(data, Encoding::Deterministic, |a, b| a == b);
    // Maps: entries come out in hash order, so only sizes can be compared.
    check::<Maps>(data, Encoding::MapOrder, maps_eq);
    check::<Tree>(data, Encoding::MapOrder, |a, b| a == b);
    check::<Closed>(data, Encoding::MapOrder, |a, b| a == b);
});

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    /// Encoding a message twice gives the same bytes.
    Deterministic,
    /// The message has maps (`HashMap`s): two equal messages may encode their entries
    /// in different orders.
    MapOrder,
}

fn check<M: Message + Clone + PartialEq + Debug>(
    data: &[u8],
    encoding: Encoding,
    same: fn(&M, &M) -> bool,
) {
    let m = match M::decode(data) {
        Ok(m) => m,
        Err(e) => {
            // Formatting the error must not panic either.
            let _ = e.to_string();
            let _ = e.path().count();
            return;
        }
    };
    let _ = format!("{m:?}");

    let len = m.encoded_len();
    let bytes = m.encode_to_vec();
    assert_eq!(bytes.len(), len, "encoded_len disagrees with encode_to_vec");

    let again = M::decode(&bytes)
        .unwrap_or_else(|e| panic!("re-decoding failed: {e}\nmessage: {m:?}\nbytes: {bytes:02x?}"));
    assert_eq!(
        again.encoded_len(),
        len,
        "encoded_len changed after a round trip"
    );
    // NaN makes `==` fail, so a NaN-free message must compare equal, and any message
    // must compare equal by `same` (which may look at float bits) or by encoding.
    let deterministic = encoding == Encoding::Deterministic;
    let again_bytes = again.encode_to_vec();
    if deterministic {
        assert_eq!(again_bytes, bytes, "re-encoding differs\nmessage: {m:?}");
    }
    #[allow(clippy::eq_op)]
    let nan_free = m == m;
    if nan_free || !deterministic {
        assert!(
            same(&m, &again),
            "round trip changed the message\nbefore: {m:?}\nafter:  {again:?}"
        );
    }

    // The other entry points agree.
    let mut via_buf = Vec::new();
    m.encode(&mut via_buf).expect("encode into Vec");
    assert_eq!(via_buf.len(), len);
    if deterministic {
        assert_eq!(via_buf, bytes);
    }
    let framed = m.encode_length_delimited_to_vec();
    let mut rest = framed.as_slice();
    let unframed = M::decode_length_delimited(&mut rest).expect("length-delimited round trip");
    assert!(rest.is_empty());
    assert_eq!(unframed.encoded_len(), len);

    // `clear` then `merge` is the same as a fresh decode.
    let mut reused = again.clone();
    reused.clear();
    assert_eq!(reused.encoded_len(), 0, "clear left something behind");
    reused.merge(data).expect("merge after clear");
    if nan_free || !deterministic {
        assert!(same(&m, &reused), "clear + merge differs from decode");
    } else {
        assert_eq!(
            reused.encode_to_vec(),
            bytes,
            "clear + merge differs from decode"
        );
    }
}

/// `Maps` equality that compares floats by their bits, so NaN equals itself.
fn maps_eq(a: &Maps, b: &Maps) -> bool {
    fn by_bits<K: Ord + Clone, V, B: Eq>(m: &HashMap<K, V>, f: impl Fn(&V) -> B) -> BTreeMap<K, B> {
        m.iter().map(|(k, v)| (k.clone(), f(v))).collect()
    }
    let floats_equal = by_bits(&a.int32_float, |v| v.to_bits())
        == by_bits(&b.int32_float, |v| v.to_bits())
        && by_bits(&a.int32_double, |v| v.to_bits()) == by_bits(&b.int32_double, |v| v.to_bits())
        // Scalars has no maps: its encoding is canonical and covers every float bit.
        && by_bits(&a.string_message, |v| v.encode_to_vec())
            == by_bits(&b.string_message, |v| v.encode_to_vec());
    let strip = |m: &Maps| {
        let mut m = m.clone();
        m.int32_float.clear();
        m.int32_double.clear();
        m.string_message.clear();
        m
    };
    floats_equal && strip(a) == strip(b)
}
