//! The `text` option over the test protos (`rsfast_text_gen`, from `tests/golden/text/`):
//! keyword field names, groups, closed enums, extensions, required fields, editions.

use rsfast::text::{self, Registry, TextOptions};
use rsfast::{Extendable, Message, OpenEnum};
use rsfast_tests::rsfast_text_gen::rsfast::{test, test2};

fn registry() -> Registry {
    let mut registry = Registry::new();
    test::register_text_types(&mut registry);
    test2::register_text_types(&mut registry);
    test::editions::register_text_types(&mut registry);
    registry
}

/// Prints `message`, checks the text is `expected`, parses it back and checks it
/// equals `message` (by encoding, so extensions and field order count too).
fn round_trip<M>(message: &M, expected: &str)
where
    M: text::TextMessage + Message + Default + std::fmt::Debug,
{
    let registry = registry();
    let options = TextOptions::new().registry(&registry);
    let printed = text::to_string_with(message, &options);
    assert_eq!(printed, expected);
    let back: M =
        text::from_str_with(&printed, &options).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    assert_eq!(back.encode_to_vec(), message.encode_to_vec(), "{back:?}");
}

#[test]
fn keyword_fields_go_by_their_proto_names() {
    let message = test::Keywords {
        r#type: 1,
        self_: "s".to_owned(),
        r#match: true,
        r#async: 2,
        unknown_fields_: "u".to_owned(),
        crate_: 3,
        ..Default::default()
    };
    let printed = text::to_string(&message);
    for name in [
        "type: 1",
        "self: \"s\"",
        "match: true",
        "async: 2",
        "unknown_fields: \"u\"",
        "crate: 3",
    ] {
        assert!(printed.contains(name), "{name} in {printed}");
    }
    let back: test::Keywords = text::from_str(&printed).unwrap();
    assert_eq!(back, message);
}

#[test]
fn groups_nest_under_their_type_names() {
    let message = test2::Groups {
        data: Some(test2::groups::Data {
            a: Some(1),
            b: Some("b".to_owned()),
            ..Default::default()
        }),
        item: vec![
            test2::groups::Item {
                x: Some(2),
                nested: Some(test2::Groups {
                    after: Some(4),
                    ..Default::default()
                }),
                ..Default::default()
            },
            Default::default(),
        ],
        after: Some(3),
        ..Default::default()
    };
    round_trip(
        &message,
        "Data {\n  a: 1\n  b: \"b\"\n}\nItem {\n  x: 2\n  nested {\n    after: 4\n  }\n}\nItem {\n}\nafter: 3\n",
    );
    let lower: test2::Groups =
        text::from_str("data { a: 1 b: 'b' } item [{x: 2 nested {after: 4}}, {}] after: 3")
            .unwrap();
    assert_eq!(lower, message);
}

#[test]
fn closed_enums_by_name_and_number() {
    let message = test2::Closed {
        single: Some(test2::Kind::C),
        list: vec![test2::Kind::A, test2::Kind::B],
        packed_list: vec![test2::Kind::C],
        choice: Some(test2::closed::Choice::OneKind(test2::Kind::B)),
        ..Default::default()
    };
    round_trip(
        &message,
        "single: KIND_C\nlist: KIND_A\nlist: KIND_B\npacked_list: KIND_C\none_kind: KIND_B\n",
    );
    let by_number: test2::Closed = text::from_str("single: 5 list: [1, KIND_B]").unwrap();
    assert_eq!(by_number.single, Some(test2::Kind::C));
    assert!(text::from_str::<test2::Closed>("single: 3").is_err());
    assert!(text::from_str::<test2::Closed>("single: KIND_Z").is_err());
}

#[test]
fn extensions_print_by_name_and_parse_back() {
    let mut message = test2::Extendable {
        a: Some(1),
        ..Default::default()
    };
    message.set_extension(&test2::EXT_INT32, -5);
    message.set_extension(&test2::EXT_STRING, "s".to_owned());
    message.set_extension(&test2::EXT_REPEATED, vec![1, -2]);
    message.set_extension(&test2::EXT_PACKED, vec![7, 8]);
    message.set_extension(&test2::EXT_ENUM, OpenEnum::from(test2::Kind::B));
    message.set_extension(
        &test2::EXTGROUP,
        test2::ExtGroup {
            g: Some(9),
            ..Default::default()
        },
    );
    round_trip(
        &message,
        "a: 1\n\
         [rsfast.test2.ext_int32]: -5\n\
         [rsfast.test2.ext_string]: \"s\"\n\
         [rsfast.test2.ext_repeated]: 1\n\
         [rsfast.test2.ext_repeated]: -2\n\
         [rsfast.test2.ext_packed]: 7\n\
         [rsfast.test2.ext_packed]: 8\n\
         [rsfast.test2.ext_enum]: KIND_B\n\
         [rsfast.test2.extgroup] {\n  g: 9\n}\n",
    );
    // Lists work for repeated extensions; a singular one given twice is an error.
    let registry = registry();
    let options = TextOptions::new().registry(&registry);
    let parsed: test2::Extendable = text::from_str_with(
        "[rsfast.test2.ext_repeated]: [3, 4] [ rsfast.test2.ext_repeated ]: 5",
        &options,
    )
    .unwrap();
    assert_eq!(
        parsed.extension(&test2::EXT_REPEATED).unwrap(),
        Some(vec![3, 4, 5])
    );
    let twice = text::from_str_with::<test2::Extendable>(
        "[rsfast.test2.ext_int32]: 1 [rsfast.test2.ext_int32]: 2",
        &options,
    );
    assert!(twice.unwrap_err().message.contains("more than once"));
}

#[test]
fn required_fields_must_be_set() {
    let err = text::from_str::<test2::Required>("id: 1").unwrap_err();
    assert!(err.message.contains("missing required field"), "{err}");
    let ok: test2::Required =
        text::from_str("id: 1 name: 'n' children { id: 2 name: '' }").unwrap();
    assert_eq!(ok.children.len(), 1);
    assert!(text::from_str::<test2::Required>("id: 1 name: 'n' children { id: 2 }").is_err());
}

#[test]
fn explicit_fields_print_when_set_even_at_their_default() {
    let message = test2::Defaults {
        d_int32: Some(-42),
        d_float: Some(f32::INFINITY),
        d_double: Some(-0.0),
        d_bytes: Some(vec![1, 2, 0xff]),
        ..Default::default()
    };
    round_trip(
        &message,
        "d_int32: -42\nd_float: inf\nd_double: -0.0\nd_bytes: \"\\001\\002\\377\"\n",
    );
}

#[test]
fn editions_delimited_fields() {
    let message = test::editions::Editions {
        implicit: 0,
        required: Some(1),
        delimited: Some(test::editions::editions::Child {
            a: Some(5),
            ..Default::default()
        }),
        delimited_list: vec![Default::default()],
        ..Default::default()
    };
    let registry = registry();
    let options = TextOptions::new().registry(&registry);
    let printed = text::to_string_with(&message, &options);
    assert!(printed.contains("delimited {\n  a: 5\n}\n"), "{printed}");
    let back: test::editions::Editions = text::from_str_with(&printed, &options).unwrap();
    assert_eq!(back, message);
}
