//! The text format on the conformance suite's messages (generated with the `text`
//! option): round trips, the spec's edge cases, groups, extensions, `Any`, unknown
//! fields and error positions.

use std::collections::HashMap;

use rsfast::text::{self, Registry, TextOptions};
use rsfast::{Extendable, Message, OpenEnum};
use rsfast_conformance::protobuf_test_messages::{editions, proto2, proto3};

use proto2::test_all_types_proto2 as p2;
use proto3::test_all_types_proto3 as p3;

fn registry() -> Registry {
    let mut registry = Registry::new();
    proto2::register_text_types(&mut registry);
    proto3::register_text_types(&mut registry);
    editions::register_text_types(&mut registry);
    registry
}

fn parse3(input: &str) -> Result<proto3::TestAllTypesProto3, text::TextError> {
    let registry = registry();
    text::from_str_with(input, &TextOptions::new().registry(&registry))
}

fn parse2(input: &str) -> Result<proto2::TestAllTypesProto2, text::TextError> {
    let registry = registry();
    text::from_str_with(input, &TextOptions::new().registry(&registry))
}

fn print<M: text::TextMessage>(message: &M) -> String {
    let registry = registry();
    text::to_string_with(message, &TextOptions::new().registry(&registry))
}

fn full_proto3() -> proto3::TestAllTypesProto3 {
    let nested = p3::NestedMessage {
        a: -7,
        ..Default::default()
    };
    proto3::TestAllTypesProto3 {
        optional_int32: i32::MIN,
        optional_int64: i64::MIN,
        optional_uint32: u32::MAX,
        optional_uint64: u64::MAX,
        optional_sint32: -5,
        optional_sint64: i64::MAX,
        optional_fixed32: 0x1234,
        optional_fixed64: 1 << 60,
        optional_sfixed32: -1,
        optional_sfixed64: -2,
        optional_float: 1.17549e-38,
        optional_double: -0.0,
        optional_bool: true,
        optional_string: "tab\t quote\" apostrophe' backslash\\ nul\0 é 😀 \u{7f}".to_owned(),
        optional_bytes: (0..=255).collect(),
        optional_nested_message: Some(Box::new(nested.clone())),
        optional_nested_enum: OpenEnum::from_i32(2),
        optional_aliased_enum: OpenEnum::from_i32(77),
        repeated_int32: vec![1, -2, 3],
        repeated_double: vec![f64::INFINITY, f64::NEG_INFINITY, 1e300, 5e-324],
        repeated_string: vec![String::new(), "x".to_owned()],
        repeated_nested_message: vec![nested.clone(), Default::default()],
        repeated_nested_enum: vec![OpenEnum::from_i32(1), OpenEnum::from_i32(-9)],
        map_int32_int32: HashMap::from([(3, 0), (-1, 9)]),
        map_string_nested_message: HashMap::from([("k".to_owned(), nested)]),
        map_bool_bool: HashMap::from([(true, false), (false, true)]),
        oneof_field: Some(p3::OneofField::OneofString("one".to_owned())),
        optional_any: Some(rsfast::wkt::Any::pack(&proto3::TestAllTypesProto3 {
            optional_int32: 12345,
            ..Default::default()
        })),
        optional_timestamp: Some(rsfast::wkt::Timestamp {
            seconds: 1,
            nanos: 2,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn proto3_round_trip_keeps_every_field() {
    let message = full_proto3();
    let printed = print(&message);
    let back = parse3(&printed).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert_eq!(back, message, "{printed}");
}

#[test]
fn nan_round_trips() {
    let message = proto3::TestAllTypesProto3 {
        optional_float: f32::NAN,
        optional_double: -f64::NAN,
        ..Default::default()
    };
    let printed = print(&message);
    assert_eq!(printed, "optional_float: nan\noptional_double: nan\n");
    let back = parse3(&printed).unwrap();
    assert!(back.optional_float.is_nan() && back.optional_double.is_nan());
}

#[test]
fn printer_output_shape() {
    let message = proto3::TestAllTypesProto3 {
        optional_int32: 1,
        optional_string: "a\nb".to_owned(),
        optional_bytes: vec![0, b'z', 0xff],
        optional_nested_message: Some(Box::new(p3::NestedMessage {
            a: 2,
            ..Default::default()
        })),
        optional_nested_enum: OpenEnum::from_i32(1),
        repeated_int32: vec![4, 5],
        map_string_string: HashMap::from([
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned()),
        ]),
        ..Default::default()
    };
    assert_eq!(
        print(&message),
        "optional_int32: 1\n\
         optional_string: \"a\\nb\"\n\
         optional_bytes: \"\\000z\\377\"\n\
         optional_nested_message {\n  a: 2\n}\n\
         optional_nested_enum: BAR\n\
         repeated_int32: 4\n\
         repeated_int32: 5\n\
         map_string_string {\n  key: \"a\"\n  value: \"1\"\n}\n\
         map_string_string {\n  key: \"b\"\n  value: \"2\"\n}\n"
    );
}

#[test]
fn string_escapes() {
    let m = parse3(r#"optional_string: "\a\b\f\n\r\t\v\?\\\'\"" optional_bytes: '\0\12\123\x7\xfF\u00e9\U0001F600'"#)
        .unwrap();
    assert_eq!(m.optional_string, "\x07\x08\x0c\n\r\t\x0b?\\'\"");
    let mut bytes = vec![0, 0o12, 0o123, 7, 0xff];
    bytes.extend_from_slice("é😀".as_bytes());
    assert_eq!(m.optional_bytes, bytes);
    // Adjacent literals concatenate, across lines and quote styles.
    let m = parse3("optional_string: 'a' \"b\"\n 'c'").unwrap();
    assert_eq!(m.optional_string, "abc");
    for bad in [
        r#"optional_string: "\ud800""#,
        r#"optional_string: "\U00110000""#,
        r#"optional_string: "\xc0""#,
        r#"optional_string: "\q""#,
        "optional_string: \"a\nb\"",
        r#"optional_string: "open"#,
    ] {
        assert!(parse3(bad).is_err(), "{bad}");
    }
    // Invalid UTF-8 is fine in bytes.
    assert_eq!(
        parse3(r"optional_bytes: '\300'").unwrap().optional_bytes,
        [0o300]
    );
}

#[test]
fn float_forms() {
    let cases: &[(&str, f64)] = &[
        ("1", 1.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("-.5", -0.5),
        ("1e5", 1e5),
        ("1E+5", 1e5),
        ("2.5e-3", 2.5e-3),
        ("1.0f", 1.0),
        ("10F", 10.0),
        ("inf", f64::INFINITY),
        ("-Infinity", f64::NEG_INFINITY),
        ("1e9999", f64::INFINITY),
        ("1e-18446744073709551616", 0.0),
        ("- 2", -2.0),
    ];
    for (input, expected) in cases {
        let m = parse3(&format!("optional_double: {input}")).unwrap();
        assert_eq!(m.optional_double, *expected, "{input}");
    }
    assert!(parse3("optional_double: -nan")
        .unwrap()
        .optional_double
        .is_nan());
    let m = parse3("optional_double: -0").unwrap();
    assert!(m.optional_double == 0.0 && m.optional_double.is_sign_negative());
    // Floats go through a double, as in protobuf's parsers.
    assert_eq!(
        parse3("optional_float: 1e50").unwrap().optional_float,
        f32::INFINITY
    );
    for bad in ["0x1", "012", "1e", "1.2.3", "e5", "1f5", "infx"] {
        assert!(parse3(&format!("optional_double: {bad}")).is_err(), "{bad}");
    }
}

#[test]
fn integer_forms_and_ranges() {
    let m = parse3(
        "optional_int32: -0x80000000 optional_uint32: 037777777777 optional_int64: 0x7fffffffffffffff \
         optional_uint64: 18446744073709551615 optional_sint32: -017 optional_fixed32: 0X1f",
    )
    .unwrap();
    assert_eq!(m.optional_int32, i32::MIN);
    assert_eq!(m.optional_uint32, u32::MAX);
    assert_eq!(m.optional_int64, i64::MAX);
    assert_eq!(m.optional_uint64, u64::MAX);
    assert_eq!(m.optional_sint32, -15);
    assert_eq!(m.optional_fixed32, 31);
    for bad in [
        "optional_int32: 2147483648",
        "optional_int32: -2147483649",
        "optional_uint32: -1",
        "optional_uint64: 18446744073709551616",
        "optional_int64: -0x8000000000000001",
        "optional_int32: 1.0",
        "optional_int32: 08",
        "optional_int32: 1f",
    ] {
        assert!(parse3(bad).is_err(), "{bad}");
    }
}

#[test]
fn syntax_variants() {
    let m = parse3(
        "# a comment\n\
         optional_nested_message < a: 1 >   # colon optional before a message\n\
         repeated_nested_message: [{a: 2}, <a: 3>];\n\
         repeated_int32: [1, 2], repeated_int32: 3\n\
         repeated_string: []\n\
         optional_bool: t; optional_nested_enum: BAZ\n\
         map_int32_int32 [{key: 1 value: 2}, {value: 5}]",
    )
    .unwrap();
    assert_eq!(m.optional_nested_message.unwrap().a, 1);
    let nested: Vec<i32> = m.repeated_nested_message.iter().map(|n| n.a).collect();
    assert_eq!(nested, [2, 3]);
    assert_eq!(m.repeated_int32, [1, 2, 3]);
    assert!(m.optional_bool);
    assert_eq!(m.optional_nested_enum.value(), 2);
    assert_eq!(m.map_int32_int32, HashMap::from([(1, 2), (0, 5)]));
    for bad in [
        "optional_int32 1",
        "optional_int32: 1,,",
        "repeated_int32: [1,]",
        "repeated_int32: [1 2]",
        "repeated_int32: [1; 2]",
        "optional_nested_message { a: 1 >",
        "optional_nested_message { a: 1",
        "optional_nested_enum: NOPE",
    ] {
        assert!(parse3(bad).is_err(), "{bad}");
    }
}

#[test]
fn reserved_names_are_skipped() {
    let m = parse3(
        "reserved_field: 1 reserved_field { a: [1, {b: 2}] } reserved_field: [\"x\", -1.5] optional_int32: 4",
    )
    .unwrap();
    assert_eq!(m.optional_int32, 4);
}

#[test]
fn errors_name_line_column_and_field() {
    let err = parse3("optional_int32: 1\n  optional_nested_message {\n    a: 99999999999\n  }")
        .unwrap_err();
    assert_eq!((err.line, err.column), (3, 8), "{err}");
    assert!(err.message.contains("optional_nested_message: a:"), "{err}");
    assert!(err.to_string().starts_with("3:8: "), "{err}");

    let err = parse3("\n\n   no_such_field: 1").unwrap_err();
    assert_eq!((err.line, err.column), (3, 4));
    assert!(err.message.contains("no_such_field"), "{err}");
}

#[test]
fn any_expansion() {
    let input = "optional_any {\n  [type.googleapis.com/protobuf_test_messages.proto3.TestAllTypesProto3] {\n    optional_int32: 12345\n  }\n}\n";
    let m = parse3(input).unwrap();
    let any = m.optional_any.as_ref().unwrap();
    let inner: proto3::TestAllTypesProto3 = any.unpack().unwrap().unwrap();
    assert_eq!(inner.optional_int32, 12345);
    assert_eq!(print(&m), input);
    // Unregistered types are errors; the raw form stays available.
    assert!(parse3("optional_any { [type.googleapis.com/unknown.Type] { } }").is_err());
    let raw = parse3("optional_any { type_url: \"x/y\" value: \"\\010\\001\" }").unwrap();
    assert_eq!(raw.optional_any.unwrap().value, [8, 1]);
}

#[test]
fn groups_print_under_their_type_name() {
    let m = parse2("data { group_int32: 1 } MultiWordGroupField: { group_uint32: 2 }").unwrap();
    assert_eq!(m.data.as_ref().unwrap().group_int32, Some(1));
    let printed = print(&m);
    assert!(
        printed.starts_with("Data {\n  group_int32: 1\n}\n"),
        "{printed}"
    );
    assert_eq!(parse2(&printed).unwrap(), m);

    let e: editions::TestAllTypesEdition2023 =
        text::from_str("GroupLikeType { group_int32: 1 } delimited_field { group_int32: 2 }")
            .unwrap();
    let printed = text::to_string(&e);
    assert!(
        printed.contains("GroupLikeType {") && printed.contains("delimited_field {"),
        "{printed}"
    );
}

#[test]
fn extensions_in_brackets() {
    let m = parse2(
        "[protobuf_test_messages.proto2.extension_int32]: 7\n\
         [protobuf_test_messages.proto2.groupfield] { group_int32: 1 }",
    )
    .unwrap();
    assert_eq!(m.extension(&proto2::EXTENSION_INT32).unwrap(), Some(7));
    assert_eq!(
        m.extension(&proto2::GROUPFIELD)
            .unwrap()
            .unwrap()
            .group_int32,
        Some(1)
    );
    let printed = print(&m);
    assert_eq!(
        printed,
        "[protobuf_test_messages.proto2.extension_int32]: 7\n\
         [protobuf_test_messages.proto2.groupfield] {\n  group_int32: 1\n}\n"
    );
    assert_eq!(parse2(&printed).unwrap(), m);
    // Extensions go by field name, not type name; unregistered ones are errors.
    assert!(parse2("[protobuf_test_messages.proto2.GroupField] { group_int32: 1 }").is_err());
    let err = text::from_str::<proto2::TestAllTypesProto2>(
        "[protobuf_test_messages.proto2.extension_int32]: 7",
    )
    .unwrap_err();
    assert!(err.message.contains("no field named"), "{err}");
}

#[test]
fn closed_enums_reject_undeclared_numbers() {
    assert_eq!(
        parse2("optional_nested_enum: 1")
            .unwrap()
            .optional_nested_enum,
        Some(p2::NestedEnum::Bar)
    );
    assert!(parse2("optional_nested_enum: 42").is_err());
    // Open enums keep any number.
    assert_eq!(
        parse3("optional_nested_enum: 42")
            .unwrap()
            .optional_nested_enum
            .value(),
        42
    );
}

#[test]
fn unknown_fields_print_on_request_and_never_parse() {
    let mut unknown = proto3::TestAllTypesProto3::default();
    unknown.unknown_fields.push_varint(1001, 5);
    let mut wire = unknown.encode_to_vec();
    // A nested message (field 1002 { 3: 111 }) and a fixed32.
    wire.extend_from_slice(&[0xd2, 0x3e, 0x02, 0x18, 0x6f, 0xdd, 0x3e, 1, 0, 0, 0]);
    let m = proto3::TestAllTypesProto3::decode(&wire).unwrap();
    assert_eq!(print(&m), "");
    let registry = registry();
    let printed = text::to_string_with(
        &m,
        &TextOptions::new()
            .registry(&registry)
            .print_unknown_fields(true),
    );
    assert_eq!(printed, "1001: 5\n1002 {\n  3: 111\n}\n1003: 0x00000001\n");
    assert!(parse3("1001: 5").is_err());
}

#[test]
fn singular_fields_and_oneofs_are_set_once() {
    for bad in [
        "optional_int32: 1 optional_int32: 2",
        "optional_nested_message {} optional_nested_message {}",
        "optional_nested_message { a: 1 a: 2 }",
        "oneof_uint32: 1 oneof_string: \"x\"",
    ] {
        let err = parse3(bad).unwrap_err();
        assert!(err.message.contains("more than once"), "{bad}: {err}");
    }
    // Repeated fields and map entries take any number of values; the same field in
    // two different messages is fine.
    let m = parse3(
        "repeated_int32: 1 repeated_int32: 2 map_int32_int32 { key: 1 } map_int32_int32 { key: 1 value: 3 } \
         repeated_nested_message { a: 1 } repeated_nested_message { a: 2 }",
    )
    .unwrap();
    assert_eq!(m.repeated_int32, [1, 2]);
    assert_eq!(m.map_int32_int32, HashMap::from([(1, 3)]));
    assert_eq!(m.repeated_nested_message.len(), 2);
}

/// Mutations of valid text (bytes flipped, cut, repeated) never panic the parser, and
/// whatever parses prints and parses again.
#[test]
fn hostile_text_never_panics() {
    let seed_text = print(&full_proto3()) + "[protobuf_test_messages.proto2.extension_int32]: 1 ";
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let registry = registry();
    let options = TextOptions::new().registry(&registry);
    for _ in 0..2000 {
        let mut bytes = seed_text.clone().into_bytes();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % bytes.len();
            match next() % 4 {
                0 => bytes[at] = next() as u8,
                1 => bytes.truncate(at),
                2 => bytes.insert(at, b"{}[]<>:;,\"'\\#-.e0x"[(next() % 18) as usize]),
                _ => {
                    let end = (at + (next() as usize) % 16).min(bytes.len());
                    let chunk = bytes[at..end].to_vec();
                    bytes.splice(at..at, chunk);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let input = String::from_utf8_lossy(&bytes);
        if let Ok(m) = text::from_str_with::<proto3::TestAllTypesProto3>(&input, &options) {
            let again = text::to_string_with(&m, &options);
            let back = text::from_str_with::<proto3::TestAllTypesProto3>(&again, &options)
                .unwrap_or_else(|e| panic!("{e}\n{again}"));
            // Printing sorts map keys: equal messages print the same.
            assert_eq!(text::to_string_with(&back, &options), again);
        }
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = "optional_nested_message { corecursive { ".repeat(200);
    assert!(parse3(&deep).unwrap_err().message.contains("too deep"));
}
