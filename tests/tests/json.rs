//! The canonical JSON mapping of code generated with the `json` option
//! (`tests/golden/json/`): output forms, input leniency, presence, oneofs, maps,
//! well-known types, `Any` through the registry, extensions, unknown fields and errors.

use std::sync::Arc;

use rsfast::json::{self, JsonOptions, Registry};
use rsfast::wkt;
use rsfast::{Extendable, Message, OpenEnum};
use rsfast_tests::rsfast_json::rsfast::{test, test2};
use serde_json::{json, Value};

/// The message's JSON as a value, after checking that the direct writer
/// (`json::to_string`) and the `Serialize` impl (through serde_json) write the same text.
fn to_value<T: rsfast::serde::Serialize + json::JsonWrite>(message: &T) -> Value {
    let direct = json::to_string(message).unwrap();
    assert_eq!(direct, serde_json::to_string(message).unwrap());
    serde_json::from_str(&direct).unwrap()
}

#[test]
fn scalars_take_their_canonical_forms() {
    let msg = test::Scalars {
        f_int32: -5,
        f_int64: i64::MIN,
        f_uint64: u64::MAX,
        f_fixed64: 7,
        f_float: f32::NAN,
        f_double: f64::NEG_INFINITY,
        f_bool: true,
        f_string: "é\"".into(),
        f_bytes: vec![0xfb, 0xff],
        f_enum: test::Color::Blue.into(),
        ..Default::default()
    };
    assert_eq!(
        to_value(&msg),
        json!({
            "fInt32": -5,
            "fInt64": "-9223372036854775808",
            "fUint64": "18446744073709551615",
            "fFixed64": "7",
            "fFloat": "NaN",
            "fDouble": "-Infinity",
            "fBool": true,
            "fString": "é\"",
            "fBytes": "+/8=",
            "fEnum": "COLOR_BLUE",
        })
    );
    // Implicit-presence fields at their default are left out.
    assert_eq!(json::to_string(&test::Scalars::default()).unwrap(), "{}");
    // An enum number the schema does not declare is written as a number.
    let unknown = test::Scalars {
        f_enum: OpenEnum::from_i32(42),
        ..Default::default()
    };
    assert_eq!(to_value(&unknown), json!({"fEnum": 42}));
}

#[test]
fn input_accepts_both_names_quoted_numbers_and_both_base64_alphabets() {
    let msg: test::Scalars = json::from_str(
        r#"{"f_int32": "12", "fInt64": 1e3, "fUint32": 7.0, "f_bytes": "-_8",
            "fEnum": 2, "fFloat": "Infinity", "fDouble": "1.5", "fBool": null}"#,
    )
    .unwrap();
    assert_eq!(msg.f_int32, 12);
    assert_eq!(msg.f_int64, 1000);
    assert_eq!(msg.f_uint32, 7);
    assert_eq!(msg.f_bytes, [0xfb, 0xff]);
    assert_eq!(msg.f_enum, test::Color::Green);
    assert_eq!(msg.f_float, f32::INFINITY);
    assert_eq!(msg.f_double, 1.5);
    assert!(!msg.f_bool);
    let back: test::Scalars = json::from_str(&json::to_string(&msg).unwrap()).unwrap();
    assert_eq!(back, msg);
}

#[test]
fn bad_input_is_refused_with_the_json_path() {
    let cases = [
        (r#"{"fInt32": 1.5}"#, "fInt32: 1.5 is not an integer"),
        (
            r#"{"fInt32": 2147483648}"#,
            "fInt32: 2147483648 is out of range",
        ),
        (
            r#"{"fFloat": 3.5e38}"#,
            "fFloat: 350000000000000000000000000000000000000 is out of range",
        ),
        (r#"{"fBool": "true"}"#, "fBool: invalid type"),
        (r#"{"fBytes": "a*"}"#, "fBytes: invalid base64 character"),
        (
            r#"{"fEnum": "COLOR_PINK"}"#,
            "fEnum: unknown enum value \"COLOR_PINK\"",
        ),
        (
            r#"{"fInt32": 1, "f_int32": 2}"#,
            "duplicate field \"fInt32\"",
        ),
        (
            r#"{"nope": 1}"#,
            "unknown field \"nope\" in rsfast.test.Scalars",
        ),
        ("null", "expected a JSON object for rsfast.test.Scalars"),
    ];
    for (input, expected) in cases {
        let err = json::from_str::<test::Scalars>(input)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{input}: {err}");
    }
    let nested = json::from_str::<test::Outer>(r#"{"middle": {"inners": [{}, {"note": 5}]}}"#)
        .unwrap_err()
        .to_string();
    assert!(
        nested.starts_with("middle: inners: 1: note: invalid type: integer `5`"),
        "{nested}"
    );
}

#[test]
fn ignore_unknown_fields_skips_unknown_members_and_enum_names() {
    let lenient = JsonOptions::new().ignore_unknown_fields(true);
    let msg: test::Repeated = json::from_str_with(
        r#"{"nope": {"a": [1]}, "rEnum": ["COLOR_RED", "COLOR_PINK", "COLOR_BLUE"], "rInt32": [1]}"#,
        &lenient,
    )
    .unwrap();
    assert_eq!(
        msg.r_enum,
        [OpenEnum::from(test::Color::Red), test::Color::Blue.into()]
    );
    assert_eq!(msg.r_int32, [1]);
    // The option does not leak to later calls.
    assert!(json::from_str::<test::Repeated>(r#"{"nope": 1}"#).is_err());
}

#[test]
fn presence_oneofs_and_maps() {
    let optionals: test::Optionals = json::from_str(r#"{"oInt32": 0, "oString": ""}"#).unwrap();
    assert_eq!(optionals.o_int32, Some(0));
    assert_eq!(to_value(&optionals), json!({"oInt32": 0, "oString": ""}));

    let oneof: test::Oneofs = json::from_str(r#"{"cInt32": null, "cString": ""}"#).unwrap();
    assert_eq!(
        oneof.choice,
        Some(test::oneofs::Choice::CString(String::new()))
    );
    assert_eq!(to_value(&oneof), json!({"cString": ""}));
    let twice = json::from_str::<test::Oneofs>(r#"{"cInt32": 1, "cString": "x"}"#).unwrap_err();
    assert!(twice.to_string().contains("oneof \"choice\""), "{twice}");

    let maps: test::Maps = json::from_str(
        r#"{"int64Int64": {"-1": "2"}, "boolBool": {"true": false}, "stringEnum": {"k": "COLOR_RED"},
            "uint64Foreign": {"9": {"x": 1}}}"#,
    )
    .unwrap();
    assert_eq!(maps.int64_int64[&-1], 2);
    assert!(!maps.bool_bool[&true]);
    assert_eq!(maps.string_enum["k"], test::Color::Red);
    assert_eq!(
        to_value(&maps),
        json!({"int64Int64": {"-1": "2"}, "boolBool": {"true": false},
               "stringEnum": {"k": "COLOR_RED"}, "uint64Foreign": {"9": {"x": 1}}})
    );
    assert!(json::from_str::<test::Maps>(r#"{"boolBool": {"yes": true}}"#).is_err());
}

#[test]
fn recursive_messages_round_trip() {
    let tree: test::Tree = json::from_str(
        r#"{"value": 1, "left": {"value": 2, "right": {"value": 3}}, "children": [{"value": 4}]}"#,
    )
    .unwrap();
    assert_eq!(tree.left.as_ref().unwrap().right.as_ref().unwrap().value, 3);
    let back: test::Tree = json::from_str(&json::to_string(&tree).unwrap()).unwrap();
    assert_eq!(back, tree);
    assert_eq!(
        test::Tree::decode(&tree.encode_to_vec()).unwrap(),
        back,
        "JSON and binary agree"
    );
}

#[test]
fn well_known_types_take_their_special_forms() {
    let text = r#"{
        "name": "deploy",
        "at": "2024-02-29T12:00:00.500+01:00",
        "took": "-1.250s",
        "mask": "fooBar,baz.quxQuux",
        "attributes": {"k": [1, "two", true, null, {"n": {}}]},
        "value": null,
        "list": [1.5],
        "detail": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "3s"},
        "nothing": {},
        "count": "9007199254740993",
        "label": "",
        "flag": false,
        "nullValue": null,
        "history": ["1970-01-01T00:00:00Z"],
        "values": {"a": null, "b": 2}
    }"#;
    let event: test::wkt::Event = json::from_str(text).unwrap();
    assert_eq!(
        event.at,
        Some(wkt::Timestamp {
            seconds: 1_709_204_400,
            nanos: 500_000_000,
            ..Default::default()
        })
    );
    assert_eq!(event.took.as_ref().unwrap().nanos, -250_000_000);
    assert_eq!(
        event.mask.as_ref().unwrap().paths,
        ["foo_bar", "baz.qux_quux"]
    );
    // `null` is a value for google.protobuf.Value, not "unset".
    assert!(matches!(
        event.value.as_ref().unwrap().kind,
        Some(wkt::value::Kind::NullValue(_))
    ));
    assert_eq!(event.count.as_ref().unwrap().value, 9_007_199_254_740_993);
    assert_eq!(
        event
            .detail
            .as_ref()
            .unwrap()
            .unpack::<wkt::Duration>()
            .unwrap(),
        Some("3s".parse().unwrap())
    );
    assert_eq!(
        to_value(&event),
        json!({
            "name": "deploy",
            "at": "2024-02-29T11:00:00.500Z",
            "took": "-1.250s",
            "mask": "fooBar,baz.quxQuux",
            "attributes": {"k": [1.0, "two", true, null, {"n": {}}]},
            "value": null,
            "list": [1.5],
            "detail": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "3s"},
            "nothing": {},
            "count": "9007199254740993",
            "label": "",
            "flag": false,
            "history": ["1970-01-01T00:00:00Z"],
            "values": {"a": null, "b": 2.0}
        })
    );
    for (bad, expected) in [
        (r#"{"at": "2024-02-29t12:00:00Z"}"#, "at: invalid Timestamp"),
        (r#"{"took": "1"}"#, "took: invalid Duration"),
        (
            r#"{"mask": "foo_bar"}"#,
            "mask: FieldMask path \"foo_bar\" is not lowerCamel",
        ),
        (
            r#"{"detail": {"@type": "type.googleapis.com/x.Y"}}"#,
            "detail: Any holds x.Y",
        ),
    ] {
        let err = json::from_str::<test::wkt::Event>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{bad}: {err}");
    }
    let unrepresentable = wkt::FieldMask::new(["fooBar"]);
    assert!(json::to_string(&unrepresentable).is_err());
}

#[test]
fn any_resolves_registered_messages() {
    let mut registry = Registry::new();
    test::register_json_types(&mut registry);
    let options = JsonOptions::new().registry(Arc::new(registry));
    let point = test::Scalars {
        f_int64: 5,
        f_string: "s".into(),
        ..Default::default()
    };
    let event = test::wkt::Event {
        detail: Some(wkt::Any::pack(&point)),
        ..Default::default()
    };
    let text = json::to_string_with(&event, &options).unwrap();
    assert_eq!(
        text,
        json::with_options(&options, || serde_json::to_string(&event).unwrap())
    );
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"detail": {"@type": "type.googleapis.com/rsfast.test.Scalars", "fInt64": "5", "fString": "s"}})
    );
    // "@type" may come after the fields.
    let back: test::wkt::Event = json::from_str_with(
        r#"{"detail": {"fString": "s", "fInt64": 5, "@type": "type.googleapis.com/rsfast.test.Scalars"}}"#,
        &options,
    )
    .unwrap();
    assert_eq!(back, event);
    // Without the registry, the type is unknown.
    assert!(json::to_string(&event).is_err());
}

#[test]
fn extensions_are_bracketed_members_when_registered() {
    let mut registry = Registry::new();
    test2::register_json_types(&mut registry);
    let options = JsonOptions::new().registry(Arc::new(registry));
    let msg: test2::Extendable = json::from_str_with(
        r#"{"a": 1, "[rsfast.test2.ext_int32]": 7, "[rsfast.test2.ext_repeated]": ["-2", 3]}"#,
        &options,
    )
    .unwrap();
    assert_eq!(msg.extension(&test2::EXT_INT32).unwrap(), Some(7));
    assert_eq!(
        msg.extension(&test2::EXT_REPEATED).unwrap(),
        Some(vec![-2, 3])
    );
    assert_eq!(
        serde_json::from_str::<Value>(&json::to_string_with(&msg, &options).unwrap()).unwrap(),
        json!({"a": 1, "[rsfast.test2.ext_int32]": 7, "[rsfast.test2.ext_repeated]": ["-2", "3"]})
    );
    let unknown =
        json::from_str_with::<test2::Extendable>(r#"{"[rsfast.test2.nope]": 1}"#, &options);
    assert!(unknown.is_err());
}

#[test]
fn proto2_groups_and_closed_enums() {
    let msg: test2::Closed =
        json::from_str(r#"{"single": "KIND_B", "list": [5, "KIND_A"], "oneKind": "KIND_C"}"#)
            .unwrap();
    assert_eq!(msg.single, Some(test2::Kind::B));
    assert_eq!(msg.list, [test2::Kind::C, test2::Kind::A]);
    // A closed enum refuses numbers it does not declare.
    assert!(json::from_str::<test2::Closed>(r#"{"single": 3}"#).is_err());
    assert_eq!(
        to_value(&msg),
        json!({"single": "KIND_B", "list": ["KIND_C", "KIND_A"], "oneKind": "KIND_C"})
    );
    let groups: test2::Groups =
        json::from_str(&json::to_string(&test2::Groups::default()).unwrap()).unwrap();
    assert_eq!(groups, test2::Groups::default());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let text = format!("{}{}", r#"{"left":"#.repeat(depth), "}".repeat(depth));
    let err = json::from_str::<test::Tree>(&text).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    // Within the limit, deep trees parse.
    let text = format!("{}{{}}{}", r#"{"left":"#.repeat(60), "}".repeat(60));
    let mut tree = json::from_str::<test::Tree>(&text).unwrap();
    let mut levels = 0;
    while let Some(left) = tree.left.take() {
        tree = *left;
        levels += 1;
    }
    assert_eq!(levels, 60);
}

#[test]
fn out_of_range_well_known_values_fail_to_serialize() {
    let event = test::wkt::Event {
        at: Some(wkt::Timestamp {
            seconds: 253_402_300_800, // 10000-01-01
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = json::to_string(&event).unwrap_err();
    assert!(err.to_string().contains("invalid Timestamp"), "{err}");
    let nan = wkt::Value {
        kind: Some(wkt::value::Kind::NumberValue(f64::NAN)),
        ..Default::default()
    };
    assert!(json::to_string(&nan).is_err());
    // An Any inside an Any nests under "value".
    let inner = wkt::Any::pack(&wkt::Duration {
        seconds: 1,
        ..Default::default()
    });
    let outer = wkt::Any::pack(&inner);
    assert_eq!(
        to_value(&outer),
        json!({"@type": "type.googleapis.com/google.protobuf.Any",
               "value": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}})
    );
    let back: wkt::Any = json::from_str(&json::to_string(&outer).unwrap()).unwrap();
    assert_eq!(back, outer);
}

/// `bytes=bytes` fields (`bytes::Bytes`) take the same JSON and text forms as `Vec<u8>`
/// ones, both ways.
#[test]
fn shared_bytes_fields_round_trip_through_json_and_text() {
    use rsfast_tests::rsfast_json_bytes::rsfast::test::Scalars;
    let msg = Scalars {
        f_bytes: rsfast::bytes::Bytes::from_static(b"\x00\xffab"),
        ..Default::default()
    };
    let text = json::to_string(&msg).unwrap();
    assert!(text.contains(r#""fBytes":"AP9hYg==""#), "{text}");
    assert_eq!(json::from_str::<Scalars>(&text).unwrap(), msg);
    let text = rsfast::text::to_string(&msg);
    assert!(text.contains(r#"f_bytes: "\000\377ab""#), "{text}");
    assert_eq!(rsfast::text::from_str::<Scalars>(&text).unwrap(), msg);
}

/// `string=bytes` fields (`rsfast::BytesString`) take the same JSON and text forms as
/// `String` ones, both ways: random messages (populated through the slick golden, whose
/// types implement `Populate` outside tests too) print in the json_bytes golden as in the
/// `String` goldens, and parse back to themselves.
#[test]
fn bytes_string_fields_match_string_fields_in_json_and_text() {
    use rsfast::populate::{from_seed, Populate};
    use rsfast_tests::rsfast_json_bytes::rsfast::{test as zc, test2 as zc2};
    use rsfast_tests::rsfast_text_gen::rsfast::{test as text_test, test2 as text_test2};
    use rsfast_tests::slick_gen::rsfast::{test as slick, test2 as slick2};

    fn check<S, Z, J, T>(seeds: std::ops::Range<u64>)
    where
        S: Populate + Message,
        Z: Message
            + PartialEq
            + std::fmt::Debug
            + json::JsonWrite
            + rsfast::serde::Serialize
            + rsfast::serde::de::DeserializeOwned
            + rsfast::text::TextMessage,
        J: Message + json::JsonWrite + rsfast::serde::Serialize,
        T: Message + rsfast::text::TextMessage,
    {
        for seed in seeds {
            let wire = from_seed::<S>(seed).encode_to_vec();
            let z = Z::decode(&wire).unwrap();
            let j = J::decode(&wire).unwrap();
            assert_eq!(to_value(&z), to_value(&j), "seed {seed}");
            let back: Z = json::from_str(&json::to_string(&z).unwrap()).unwrap();
            assert_eq!(back, z, "seed {seed}: JSON round trip");
            let t = T::decode(&wire).unwrap();
            let printed = rsfast::text::to_string(&z);
            assert_eq!(printed, rsfast::text::to_string(&t), "seed {seed}");
            let back: Z = rsfast::text::from_str(&printed).unwrap();
            assert_eq!(back, z, "seed {seed}: text round trip");
        }
    }
    check::<slick::Scalars, zc::Scalars, test::Scalars, text_test::Scalars>(0..40);
    check::<slick::Optionals, zc::Optionals, test::Optionals, text_test::Optionals>(0..40);
    check::<slick::Repeated, zc::Repeated, test::Repeated, text_test::Repeated>(0..40);
    check::<slick::Maps, zc::Maps, test::Maps, text_test::Maps>(0..40);
    check::<slick::Oneofs, zc::Oneofs, test::Oneofs, text_test::Oneofs>(0..40);
    check::<slick::Tree, zc::Tree, test::Tree, text_test::Tree>(0..20);
    check::<slick::Keywords, zc::Keywords, test::Keywords, text_test::Keywords>(0..20);
    check::<slick::Outer, zc::Outer, test::Outer, text_test::Outer>(0..20);
    check::<slick2::Defaults, zc2::Defaults, test2::Defaults, text_test2::Defaults>(0..20);
    check::<slick2::Closed, zc2::Closed, test2::Closed, text_test2::Closed>(0..20);
    check::<slick2::Groups, zc2::Groups, test2::Groups, text_test2::Groups>(0..20);
    check::<slick2::HasRequired, zc2::HasRequired, test2::HasRequired, text_test2::HasRequired>(
        0..20,
    );

    // Escapes and non-ASCII, in a map key and value too.
    let mut msg = zc::Maps::default();
    msg.string_string
        .insert("k\"é\n".into(), String::from("v\\😀\u{1}").into());
    let text = json::to_string(&msg).unwrap();
    assert_eq!(text, r#"{"stringString":{"k\"é\n":"v\\😀\u0001"}}"#);
    assert_eq!(json::from_str::<zc::Maps>(&text).unwrap(), msg);
    let text = rsfast::text::to_string(&msg);
    assert_eq!(rsfast::text::from_str::<zc::Maps>(&text).unwrap(), msg);
}

/// A message with `string=bytes` fields next to well-known types (which keep `String`):
/// its strings are `BytesString`, `StringValue` is the runtime's, and JSON works as for
/// the `String` golden.
#[test]
fn bytes_string_messages_hold_well_known_types() {
    use rsfast_tests::rsfast_json::rsfast::test::wkt as owned;
    use rsfast_tests::rsfast_json_bytes::rsfast::test::wkt as zc;
    let event = zc::Event {
        name: "deploy".into(),
        label: Some(wkt::StringValue::from("a String inside")),
        took: Some(wkt::Duration {
            seconds: 1,
            nanos: 500_000_000,
            ..Default::default()
        }),
        ..Default::default()
    };
    let _: (&rsfast::BytesString, &String) = (&event.name, &event.label.as_ref().unwrap().value);
    let input = rsfast::bytes::Bytes::from(event.encode_to_vec());
    let decoded = zc::Event::decode_bytes(&input).unwrap();
    assert_eq!(decoded, event);
    let same = owned::Event::decode(&input).unwrap();
    assert_eq!(to_value(&decoded), to_value(&same));
    assert_eq!(
        to_value(&decoded),
        json!({"name": "deploy", "took": "1.500s", "label": "a String inside"})
    );
    let text = json::to_string(&decoded).unwrap();
    assert_eq!(json::from_str::<zc::Event>(&text).unwrap(), event);
}
