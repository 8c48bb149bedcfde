use prost::Message as _;
use rsfast::Message as _;
use rsfast_tests::{prost_gen, rsfast_gen};

#[test]
fn scalars_agree_with_prost() {
    use rsfast_gen::rsfast::test::{Color, Scalars};
    let m = Scalars {
        f_int32: -5,
        f_int64: i64::MIN,
        f_uint32: u32::MAX,
        f_uint64: 1 << 40,
        f_sint32: -77,
        f_sint64: -1,
        f_fixed32: 7,
        f_fixed64: 8,
        f_sfixed32: -9,
        f_sfixed64: -10,
        f_float: -0.0,
        f_double: 2.5,
        f_bool: true,
        f_string: "héllo".into(),
        f_bytes: vec![0, 1, 255],
        f_enum: Color::Blue.into(),
        unknown_fields: Default::default(),
    };
    let bytes = m.encode_to_vec();
    assert_eq!(bytes.len(), rsfast::Message::encoded_len(&m));
    let p = prost_gen::rsfast::test::Scalars::decode(bytes.as_slice()).unwrap();
    assert_eq!(p.f_string, "héllo");
    assert_eq!(p.f_enum, -3);
    assert!(p.f_float.is_sign_negative());
    // prost drops -0.0 (it compares with ==); protoc's runtimes and rsfast keep it.
    assert_eq!(Scalars::decode(&p.encode_to_vec()).unwrap().f_float.to_bits(), 0);
    let back = Scalars::decode(&bytes).unwrap();
    assert_eq!(back, m);
}

#[test]
fn tree_and_maps_round_trip() {
    use rsfast_gen::rsfast::test::Tree;
    let mut t = Tree {
        value: 1,
        ..Default::default()
    };
    t.left = Some(Box::new(Tree {
        value: 2,
        ..Default::default()
    }));
    t.children.push(Tree {
        value: 3,
        ..Default::default()
    });
    t.named.insert("x".into(), Tree::default());
    let bytes = t.encode_to_vec();
    let p = prost_gen::rsfast::test::Tree::decode(bytes.as_slice()).unwrap();
    // prost omits default map values inside entries; rsfast writes key and value as
    // protoc's runtimes do. Both decode each other's output to the same message.
    assert_eq!(Tree::decode(&p.encode_to_vec()).unwrap(), t);
    assert_eq!(Tree::decode(&bytes).unwrap(), t);
}

#[test]
fn proto2_defaults_and_required() {
    use rsfast_gen::rsfast::test2::{Defaults, Kind, Required};
    let d = Defaults::default();
    assert_eq!(d.d_int32(), -42);
    assert_eq!(d.d_int64(), i64::MIN);
    assert_eq!(d.d_string(), "hello \"world\"\n");
    assert_eq!(d.d_bytes(), b"\x01\x02\xff\\z");
    assert_eq!(d.d_enum(), Kind::C);
    assert!(d.d_nan().is_nan());
    assert_eq!(d.enum_no_default(), Kind::A);
    let err = Required::decode(&[0x08, 0x01]).unwrap_err();
    assert!(err.to_string().contains("rsfast.test2.Required.name"), "{err}");
}
