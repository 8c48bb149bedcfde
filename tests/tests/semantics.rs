//! Decode/encode semantics where the spec leaves room: rsfast behaves as protoc's own
//! runtimes do. Inputs are hand-written wire bytes, so each case shows exactly what
//! arrives.

use rsfast::{DecodeErrorKind, Message, OpenEnum};
use rsfast_tests::rsfast_gen::rsfast::test::{
    oneofs, outer, Color, Keywords, Oneofs, Outer, Repeated, Scalars, Tree,
};
use rsfast_tests::rsfast_gen::rsfast::test2::{self, closed, Closed, Groups, Kind};

#[test]
fn unknown_fields_survive_and_follow_known_fields() {
    // field 1 = 150, then unknown field 99 (varint 5) and unknown field 100 (bytes "ab").
    let input = [
        0x08, 0x96, 0x01, 0x98, 0x06, 0x05, 0xa2, 0x06, 0x02, b'a', b'b',
    ];
    let m = Scalars::decode(&input).unwrap();
    assert_eq!(m.f_int32, 150);
    assert!(!m.unknown_fields.is_empty());
    assert_eq!(m.encode_to_vec(), input);
    // Unknown fields that arrive first are still written after the known ones.
    let reordered = [0x98, 0x06, 0x05, 0x08, 0x96, 0x01];
    assert_eq!(
        Scalars::decode(&reordered).unwrap().encode_to_vec(),
        [0x08, 0x96, 0x01, 0x98, 0x06, 0x05]
    );
}

#[test]
fn unknown_fields_survive_in_nested_messages() {
    // Outer.middle (1) { Middle.inner (1) { unknown field 15 = 7 } }
    let input = [0x0a, 0x04, 0x0a, 0x02, 0x78, 0x07];
    let m = Outer::decode(&input).unwrap();
    let inner = m.middle.as_ref().unwrap().inner.as_ref().unwrap();
    assert_eq!(inner.unknown_fields.as_bytes(), [0x78, 0x07]);
    assert_eq!(m.encode_to_vec(), input);
}

/// A `Point` (field 1 = sint 1, then unknown field 15 holding `extra` bytes) as a
/// length-delimited record of field `field`.
fn point_record(field: u8, extra: usize) -> Vec<u8> {
    let mut point = vec![0x08, 0x02, 0x7a];
    point.extend(varint(extra as u64));
    point.extend(std::iter::repeat_n(b'z', extra));
    let mut record = vec![(field << 3) | 2];
    record.extend(varint(point.len() as u64));
    record.extend(point);
    record
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

#[test]
fn small_messages_past_127_bytes_get_their_longer_length_prefix() {
    // `Point`'s known fields fit in a one-byte length prefix, so `encoded_len` counts
    // one byte for it and checks afterwards; unknown fields can still make it longer.
    for extra in [0, 1, 120, 121, 122, 200, 20_000] {
        for input in [
            point_record(3, extra),
            [
                point_record(5, 3),
                point_record(5, extra),
                point_record(5, 1),
            ]
            .concat(),
            [point_record(3, extra), point_record(5, extra)].concat(),
        ] {
            let m = Outer::decode(&input).unwrap();
            assert_eq!(m.encoded_len(), input.len(), "{extra} unknown bytes");
            assert_eq!(m.encode_to_vec(), input, "{extra} unknown bytes");
        }
    }
}

#[test]
fn known_field_with_another_wire_type_is_kept_as_unknown() {
    // f_int32 (1) sent as fixed32 (wire type 5).
    let input = [0x0d, 1, 0, 0, 0];
    let m = Scalars::decode(&input).unwrap();
    assert_eq!(m.f_int32, 0);
    assert_eq!(m.unknown_fields.as_bytes(), input);
    assert_eq!(m.encode_to_vec(), input);
}

#[test]
fn last_value_of_a_singular_field_wins() {
    let input = [0x08, 0x01, 0x08, 0x02, 0x72, 0x01, b'a', 0x72, 0x01, b'b'];
    let m = Scalars::decode(&input).unwrap();
    assert_eq!(m.f_int32, 2);
    assert_eq!(m.f_string, "b");
}

#[test]
fn last_member_of_a_oneof_wins() {
    // c_int32 (2) = 5, then c_string (3) = "x".
    let m = Oneofs::decode(&[0x10, 0x05, 0x1a, 0x01, b'x']).unwrap();
    assert_eq!(m.choice, Some(oneofs::Choice::CString("x".into())));
    let m = Oneofs::decode(&[0x1a, 0x01, b'x', 0x10, 0x05]).unwrap();
    assert_eq!(m.choice, Some(oneofs::Choice::CInt32(5)));
}

#[test]
fn oneof_message_records_are_merged() {
    // c_message (5) { f_int32 = 1 }, c_message (5) { f_int64 = 2 }
    let m = Oneofs::decode(&[0x2a, 0x02, 0x08, 0x01, 0x2a, 0x02, 0x10, 0x02]).unwrap();
    let Some(oneofs::Choice::CMessage(s)) = &m.choice else {
        panic!("{m:?}")
    };
    assert_eq!((s.f_int32, s.f_int64), (1, 2));
}

#[test]
fn sub_messages_split_across_records_are_merged() {
    // middle { inner { note = "n" } } then middle { inners { } }, then middle { inner { level = HIGH } }
    let input = [
        0x0a, 0x05, 0x0a, 0x03, 0x12, 0x01, b'n', // first record
        0x0a, 0x02, 0x12, 0x00, // second record
        0x0a, 0x04, 0x0a, 0x02, 0x08, 0x01, // third record
    ];
    let m = Outer::decode(&input).unwrap();
    let middle = m.middle.unwrap();
    let inner = middle.inner.unwrap();
    assert_eq!(inner.note, "n");
    assert_eq!(inner.level, outer::middle::inner::Level::High);
    assert_eq!(middle.inners.len(), 1);
}

#[test]
fn repeated_scalars_accept_packed_and_unpacked() {
    // r_int32 (declared packed) sent unpacked; unpacked_int32 (declared unpacked) sent packed;
    // then one more of each in the other form.
    let input = [
        0x08, 0x01, 0x08, 0x02, // r_int32 unpacked: 1, 2
        0x92, 0x01, 0x02, 0x03, 0x04, // unpacked_int32 (18) packed: 3, 4
        0x0a, 0x01, 0x05, // r_int32 packed: 5
        0x90, 0x01, 0x06, // unpacked_int32 unpacked: 6
    ];
    let m = Repeated::decode(&input).unwrap();
    assert_eq!(m.r_int32, [1, 2, 5]);
    assert_eq!(m.unpacked_int32, [3, 4, 6]);
    // Each is written the way it is declared.
    assert_eq!(
        m.encode_to_vec(),
        [0x0a, 0x03, 0x01, 0x02, 0x05, 0x90, 0x01, 0x03, 0x90, 0x01, 0x04, 0x90, 0x01, 0x06]
    );
}

#[test]
fn negative_zero_is_not_the_default() {
    let mut m = Scalars {
        f_float: -0.0,
        f_double: -0.0,
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    assert_eq!(
        bytes,
        [0x5d, 0, 0, 0, 0x80, 0x61, 0, 0, 0, 0, 0, 0, 0, 0x80]
    );
    assert!(Scalars::decode(&bytes).unwrap().f_double.is_sign_negative());
    m.f_float = 0.0;
    m.f_double = 0.0;
    assert!(m.encode_to_vec().is_empty());
}

#[test]
fn open_enums_keep_unknown_values() {
    let m = Scalars::decode(&[0x80, 0x01, 0x63]).unwrap(); // f_enum (16) = 99
    assert_eq!(m.f_enum.value(), 99);
    assert_eq!(m.f_enum.known(), None);
    assert_eq!(m.encode_to_vec(), [0x80, 0x01, 0x63]);
    let m = Scalars::decode(&[0x80, 0x01, 0x01]).unwrap();
    assert_eq!(m.f_enum, Color::Red);
    assert_eq!(m.f_enum, OpenEnum::from(Color::Red));
}

#[test]
fn closed_enums_send_undeclared_values_to_unknown_fields() {
    // single (1) = 3 (undeclared), list (2) = [1, 4 (undeclared)] packed, one_kind (5) = 9.
    let input = [0x08, 0x03, 0x12, 0x02, 0x01, 0x04, 0x28, 0x09];
    let m = Closed::decode(&input).unwrap();
    assert_eq!(m.single, None);
    assert_eq!(m.list, [Kind::A]);
    assert_eq!(m.choice, None);
    assert_eq!(
        m.unknown_fields.as_bytes(),
        [0x08, 0x03, 0x10, 0x04, 0x28, 0x09]
    );
    // A map entry with an undeclared value goes to unknown fields whole.
    let entry = [0x22, 0x04, 0x08, 0x07, 0x10, 0x03];
    let m = Closed::decode(&entry).unwrap();
    assert!(m.by_id.is_empty());
    assert_eq!(m.unknown_fields.as_bytes(), entry);
    assert_eq!(m.encode_to_vec(), entry);
    let m = Closed::decode(&[0x28, 0x02]).unwrap();
    assert_eq!(m.choice, Some(closed::Choice::OneKind(Kind::B)));
}

#[test]
fn decoding_a_concatenation_equals_merging() {
    let a = Tree {
        value: 1,
        children: vec![Tree::default()],
        left: Some(Box::new(Tree {
            value: 2,
            ..Default::default()
        })),
        ..Default::default()
    };
    let b = Tree {
        value: 3,
        children: vec![Tree {
            value: 4,
            ..Default::default()
        }],
        left: Some(Box::new(Tree {
            right: Some(Box::default()),
            ..Default::default()
        })),
        ..Default::default()
    };
    let mut joined = a.encode_to_vec();
    joined.extend(b.encode_to_vec());
    let mut merged = a.clone();
    merged.merge(&b.encode_to_vec()).unwrap();
    assert_eq!(Tree::decode(&joined).unwrap(), merged);
    assert_eq!(merged.value, 3);
    assert_eq!(merged.children.len(), 2);
    let left = merged.left.as_ref().unwrap();
    assert_eq!(left.value, 2);
    assert!(left.right.is_some());
}

#[test]
fn clear_resets_to_default() {
    let mut m = Scalars::decode(&[0x08, 0x01, 0x72, 0x01, b'a', 0x98, 0x06, 0x05]).unwrap();
    m.clear();
    assert_eq!(m, Scalars::default());
}

#[test]
fn length_delimited_round_trip() {
    let a = Scalars {
        f_string: "first".into(),
        ..Default::default()
    };
    let b = Scalars {
        f_int32: 2,
        ..Default::default()
    };
    let mut stream = a.encode_length_delimited_to_vec();
    b.encode_length_delimited(&mut stream).unwrap();
    let mut rest = stream.as_slice();
    assert_eq!(Scalars::decode_length_delimited(&mut rest).unwrap(), a);
    assert_eq!(Scalars::decode_length_delimited(&mut rest).unwrap(), b);
    assert!(rest.is_empty());
}

#[test]
fn encode_into_a_too_small_buffer_fails_without_writing() {
    let m = Scalars {
        f_string: "0123456789".into(),
        ..Default::default()
    };
    let mut storage = [0u8; 4];
    let mut buf = &mut storage[..];
    let err = m.encode(&mut buf).unwrap_err();
    assert_eq!(err.required_capacity(), 12);
    assert_eq!(storage, [0; 4]);
    let mut vec = Vec::new();
    m.encode(&mut vec).unwrap();
    assert_eq!(vec, m.encode_to_vec());
}

#[test]
fn keyword_fields_and_out_of_order_numbers() {
    let m = Keywords {
        r#type: 1,
        self_: "s".into(),
        r#match: true,
        r#async: 4,
        unknown_fields_: "u".into(),
        crate_: 5,
        unknown_fields: Default::default(),
    };
    // Written in field-number order whatever the declaration order.
    let bytes = m.encode_to_vec();
    assert_eq!(
        bytes,
        [0x0a, 0x01, b's', 0x10, 0x01, 0x18, 0x01, 0x20, 0x05, 0x2a, 0x01, b'u', 0x48, 0x04]
    );
    assert_eq!(Keywords::decode(&bytes).unwrap(), m);
}

#[test]
fn groups_round_trip() {
    let m = Groups {
        data: Some(test2::groups::Data {
            a: Some(1),
            b: Some("b".into()),
            ..Default::default()
        }),
        item: vec![test2::groups::Item {
            x: Some(2),
            nested: Some(Groups {
                after: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        }],
        after: Some(4),
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    // Data: start group 1 (0x0b), a = 1, b = "b", end group 1 (0x0c).
    assert_eq!(
        &bytes[..8],
        [0x0b, 0x10, 0x01, 0x1a, 0x01, b'b', 0x0c, 0x23]
    );
    assert_eq!(Groups::decode(&bytes).unwrap(), m);
    assert_eq!(bytes.len(), m.encoded_len());
}

#[test]
fn errors_name_the_field_path() {
    // Outer.middle { inner { note = invalid UTF-8 } }
    let err = Outer::decode(&[0x0a, 0x05, 0x0a, 0x03, 0x12, 0x01, 0xff]).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidUtf8);
    assert_eq!(
        err.to_string(),
        "failed to decode protobuf message: rsfast.test.Outer.middle > \
         rsfast.test.Outer.Middle.inner > rsfast.test.Outer.Middle.Inner.note: \
         string is not valid UTF-8"
    );
}

#[test]
fn editions_features_resolve_per_field() {
    use rsfast_tests::rsfast_gen::rsfast::test::editions::{editions, Closed, Editions, Open};
    let m = Editions {
        explicit: Some(0),
        implicit: 0,
        required: Some(7),
        packed: vec![1, 2],
        expanded: vec![3, 4],
        delimited: Some(editions::Child {
            a: Some(1),
            ..Default::default()
        }),
        closed: Some(Closed::Two),
        open: Some(Open::One.into()),
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    assert_eq!(
        bytes,
        [
            0x08, 0x00, // explicit presence: a set zero is written
            0x18, 0x07, // required
            0x22, 0x02, 0x01, 0x02, // packed by default
            0x28, 0x03, 0x28, 0x04, // expanded
            0x33, 0x08, 0x01, 0x34, // delimited: start group 6, a = 1, end group 6
            0x40, 0x02, // closed enum
            0x48, 0x01, // open enum
        ]
    );
    assert_eq!(Editions::decode(&bytes).unwrap(), m);
    assert_eq!(m.with_default(), "dflt");
    // LEGACY_REQUIRED is enforced.
    let err = Editions::decode(&[0x08, 0x01]).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::MissingRequiredField);
    // The file makes enums closed: an undeclared value is an unknown field.
    let m = Editions::decode(&[0x18, 0x00, 0x40, 0x09]).unwrap();
    assert_eq!(m.closed, None);
    assert_eq!(m.unknown_fields.as_bytes(), [0x40, 0x09]);
}

#[test]
fn extensions_round_trip_through_the_typed_api() {
    use rsfast::Extendable;
    use rsfast_tests::rsfast_gen::rsfast::test2::{
        extension_holder, ExtGroup, Extendable as Ext, ExtensionHolder, Required, EXTGROUP,
        EXT_ENUM, EXT_INT32, EXT_MESSAGE, EXT_PACKED, EXT_REPEATED, EXT_STRING, EXT_STRINGS,
    };
    let mut m = Ext {
        a: Some(1),
        ..Default::default()
    };
    assert_eq!(m.extension(&EXT_INT32).unwrap(), None);
    m.set_extension(&EXT_INT32, -5);
    m.set_extension(&EXT_STRING, "s".to_owned());
    let required = Required {
        id: Some(1),
        name: Some("n".into()),
        ..Default::default()
    };
    m.set_extension(&EXT_MESSAGE, required.clone());
    m.set_extension(&EXT_REPEATED, vec![-1, 2]);
    m.set_extension(&EXT_PACKED, vec![7, 8]);
    m.set_extension(&EXT_ENUM, Kind::C.into());
    m.set_extension(
        &EXTGROUP,
        ExtGroup {
            g: Some(3),
            ..Default::default()
        },
    );
    m.set_extension(&EXT_STRINGS, vec!["a".into(), "b".into()]);
    m.set_extension(
        &extension_holder::NESTED_EXT,
        ExtensionHolder {
            x: Some(9),
            ..Default::default()
        },
    );
    m.set_extension(&EXT_INT32, 6); // replaces
    let bytes = m.encode_to_vec();
    let back = Ext::decode(&bytes).unwrap();
    assert_eq!(back.extension(&EXT_INT32).unwrap(), Some(6));
    assert_eq!(back.extension(&EXT_STRING).unwrap().as_deref(), Some("s"));
    assert_eq!(back.extension(&EXT_MESSAGE).unwrap(), Some(required));
    assert_eq!(back.extension(&EXT_REPEATED).unwrap(), Some(vec![-1, 2]));
    assert_eq!(back.extension(&EXT_PACKED).unwrap(), Some(vec![7, 8]));
    assert_eq!(back.extension(&EXT_ENUM).unwrap(), Some(Kind::C.into()));
    assert_eq!(back.extension(&EXTGROUP).unwrap().unwrap().g, Some(3));
    assert_eq!(back.extension(&EXT_STRINGS).unwrap().unwrap(), ["a", "b"]);
    assert_eq!(
        back.extension(&extension_holder::NESTED_EXT)
            .unwrap()
            .unwrap()
            .x,
        Some(9)
    );
    assert!(back.has_extension(&EXT_PACKED));
    assert!(!back.has_extension(&extension_holder::REPEATED_EXT));

    // What prost (which has no extensions) writes survives too: it is just unknown fields.
    let mut cleared = back.clone();
    cleared.clear_extension(&EXT_STRING);
    assert_eq!(cleared.extension(&EXT_STRING).unwrap(), None);
    assert_eq!(cleared.extension(&EXT_INT32).unwrap(), Some(6));

    // Packed and unpacked records are both read, and messages split across records merge.
    let wire = [
        0xc2, 0x06, 0x04, 0x01, 0, 0, 0, // ext_packed (104) packed: [1]
        0xc5, 0x06, 0x02, 0, 0, 0, // ext_packed unpacked: 2
        0xb2, 0x06, 0x02, 0x08, 0x01, // ext_message (102) { id = 1 }
        0xb2, 0x06, 0x03, 0x12, 0x01, b'x', // ext_message (102) { name = "x" }
    ];
    let m = Ext::decode(&wire).unwrap();
    assert_eq!(m.extension(&EXT_PACKED).unwrap(), Some(vec![1, 2]));
    let merged = m.extension(&EXT_MESSAGE).unwrap().unwrap();
    assert_eq!((merged.id, merged.name.as_deref()), (Some(1), Some("x")));
    assert_eq!(m.encode_to_vec(), wire);
}

#[test]
fn edition_2024_resolves_like_2023() {
    use rsfast_tests::rsfast_gen::rsfast::test::editions2024::Node;
    let m = Node {
        value: Some(0),
        packed: vec![-1, 1],
        expanded: vec![-1],
        child: Some(Box::new(Node::default())),
        name: String::new(),
        ..Default::default()
    };
    let bytes = m.encode_to_vec();
    assert_eq!(
        bytes,
        [0x08, 0x00, 0x12, 0x02, 0x01, 0x02, 0x18, 0x01, 0x23, 0x24]
    );
    assert_eq!(Node::decode(&bytes).unwrap(), m);
}
