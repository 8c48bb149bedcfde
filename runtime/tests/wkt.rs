//! The well-known types: Any packing by type URL, wrappers, conversions.

use rsfast::wkt::{Any, BoolValue, Duration, Timestamp};
use rsfast::{Message, Name};

#[test]
fn any_packs_and_unpacks_by_type_url() {
    let t = Timestamp {
        seconds: 5,
        nanos: 7,
        ..Default::default()
    };
    let any = Any::pack(&t);
    assert_eq!(
        any.type_url,
        "type.googleapis.com/google.protobuf.Timestamp"
    );
    assert_eq!(any.type_name(), Timestamp::FULL_NAME);
    assert!(any.is::<Timestamp>());
    assert_eq!(any.unpack::<Timestamp>().unwrap(), Some(t.clone()));
    assert_eq!(any.unpack::<Duration>().unwrap(), None);
    let back = Any::decode(&any.encode_to_vec()).unwrap();
    assert_eq!(back.unpack::<Timestamp>().unwrap(), Some(t));
    let broken = Any {
        type_url: Timestamp::type_url(),
        value: vec![0x08],
        ..Default::default()
    };
    assert!(broken.unpack::<Timestamp>().is_err());
}

#[test]
fn wrappers_wrap() {
    assert!(BoolValue::from(true).value);
    assert_eq!(BoolValue::from(true).encode_to_vec(), [0x08, 0x01]);
}
