//! The options of `rsfast/options.proto` and the parameters, at work: scopes, bytes and
//! map types, eq/hash, debug, populate and the generated-test checks themselves.

mod common;

use std::collections::HashSet;
use std::hash::Hash;

use rsfast::populate::{from_seed, Populate, DEFAULT_DEPTH};
use rsfast::Message;
use rsfast_tests::rsfast_gen::rsfast::test::options as plain;
use rsfast_tests::slick_gen::rsfast::test as slick;
use rsfast_tests::slick_gen::rsfast::test2 as slick2;

/// Generates `proto/test/options.proto` with `parameter` and returns its Rust source.
fn options_source(parameter: &str) -> String {
    let mut config = protoc_gen_rsfast::Config::new();
    config.parameter(parameter).unwrap();
    let files = config
        .generate(
            &[common::proto_dir().join("test/options.proto")],
            &[common::proto_dir()],
        )
        .unwrap();
    files
        .into_iter()
        .find(|f| f.name == "rsfast.test.options.rs")
        .unwrap()
        .content
}

/// The declared type of `field` in the first struct declaring it, spaces removed.
fn field_type(source: &str, field: &str) -> String {
    let start = source
        .find(&format!("pub {field}: "))
        .unwrap_or_else(|| panic!("no field {field}"));
    let rest = &source[start + field.len() + 6..];
    rest[..rest.find(",\n").unwrap()]
        .split_whitespace()
        .collect()
}

#[test]
fn the_narrowest_scope_wins() {
    for parameter in ["", "bytes=vec,map=hash_map", "bytes=bytes,map=btree_map"] {
        let source = options_source(parameter);
        // File level (bytes, btree_map) beats the parameters.
        assert_eq!(field_type(&source, "data"), "::rsfast::bytes::Bytes");
        assert!(field_type(&source, "parts").starts_with("::std::collections::BTreeMap"));
        // Message level (vec, hash_map) beats the file, in nested messages too.
        assert_eq!(field_type(&source, "copied"), "::std::vec::Vec<u8>");
        assert_eq!(field_type(&source, "body"), "::std::vec::Vec<u8>");
        assert!(field_type(&source, "index").starts_with("::std::collections::HashMap"));
        // Field level beats the message.
        assert_eq!(field_type(&source, "shared"), "::rsfast::bytes::Bytes");
        assert!(field_type(&source, "ordered").starts_with("::std::collections::BTreeMap"));
    }
    // And the compiled golden agrees.
    let legacy = plain::Legacy::default();
    let _: (&Vec<u8>, &rsfast::bytes::Bytes) = (&legacy.copied, &legacy.shared);
}

#[test]
fn string_types_follow_the_narrowest_scope() {
    for parameter in ["", "string=string", "string=bytes"] {
        let source = options_source(parameter);
        let everywhere = parameter == "string=bytes";
        let string = |bytes: bool| {
            if bytes {
                "::rsfast::BytesString"
            } else {
                "::std::string::String"
            }
        };
        // Field level (bytes) beats the parameters.
        assert_eq!(field_type(&source, "label"), string(true));
        // Message level (bytes) beats the parameters, for map keys and values and
        // repeated strings too; field level (string) beats the message.
        assert!(
            field_type(&source, "headers")
                .starts_with("::std::collections::BTreeMap<::rsfast::BytesString"),
            "{parameter}"
        );
        assert_eq!(
            field_type(&source, "tags"),
            "::std::vec::Vec<::rsfast::BytesString>"
        );
        assert_eq!(field_type(&source, "note"), string(false));
        // Elsewhere the parameters decide (the oneof member `Blob.name`).
        assert!(
            source.contains(&format!("Name({})", string(everywhere))),
            "{parameter}"
        );
    }
    // And the compiled golden agrees.
    let legacy = plain::Legacy::default();
    let _: &rsfast::BytesString = &legacy.label;
    let envelope = plain::Envelope::default();
    let _: (&String, &Vec<rsfast::BytesString>) = (&envelope.note, &envelope.tags);
    let _: &std::collections::BTreeMap<rsfast::BytesString, rsfast::BytesString> =
        &envelope.headers;
}

/// `string=bytes` fields slice a `Bytes` input, as `bytes=bytes` fields do, and copy
/// out of a plain slice.
#[test]
fn bytes_string_fields_slice_a_bytes_input() {
    let mut envelope = plain::Envelope {
        note: "a String".into(),
        tags: vec!["first tag".into(), String::from("second tag").into()],
        ..Default::default()
    };
    envelope
        .headers
        .insert("content-type".into(), "text/plain".into());
    envelope.headers.insert("x-b".into(), "2".into());
    let input = rsfast::bytes::Bytes::from(envelope.encode_to_vec());
    let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
    let shared = plain::Envelope::decode_bytes(&input).unwrap();
    assert_eq!(shared, envelope);
    assert!(shared
        .tags
        .iter()
        .all(|t| range.contains(&(t.as_ptr() as usize))));
    for (key, value) in &shared.headers {
        assert!(range.contains(&(key.as_ptr() as usize)));
        assert!(range.contains(&(value.as_ptr() as usize)));
    }
    // Ordered (map=btree_map) and looked up by &str, as with String keys.
    assert_eq!(
        shared.headers.keys().map(|k| &k[..]).collect::<Vec<_>>(),
        ["content-type", "x-b"]
    );
    assert_eq!(shared.headers["content-type"], "text/plain");
    assert!(!range.contains(&(shared.note.as_ptr() as usize)));
    let copied = plain::Envelope::decode(&input).unwrap();
    assert_eq!(copied, envelope);
    assert!(!range.contains(&(copied.tags[0].as_ptr() as usize)));
}

#[test]
fn message_options_beat_the_preset() {
    let source = options_source("preset=slick");
    // Envelope keeps unknown fields although slick drops them elsewhere.
    let envelope = &source[source.find("pub struct Envelope").unwrap()..];
    let envelope = &envelope[..envelope.find("\n}").unwrap()];
    assert!(envelope.contains("unknown_fields"), "{envelope}");
    let blob = &source[source.find("pub struct Blob").unwrap()..];
    let blob = &blob[..blob.find("\n}").unwrap()];
    assert!(!blob.contains("unknown_fields"), "{blob}");
}

#[test]
fn bytes_fields_slice_a_bytes_input() {
    let blob = plain::Blob {
        data: rsfast::bytes::Bytes::from_static(b"a payload worth sharing"),
        chunks: vec![rsfast::bytes::Bytes::from_static(b"chunk")],
        ..Default::default()
    };
    let input = rsfast::bytes::Bytes::from(blob.encode_to_vec());
    let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
    let shared = plain::Blob::decode_bytes(&input).unwrap();
    assert_eq!(shared, blob);
    assert!(range.contains(&(shared.data.as_ptr() as usize)));
    assert!(range.contains(&(shared.chunks[0].as_ptr() as usize)));
    // From a plain slice the bytes are copied.
    let copied = plain::Blob::decode(&input).unwrap();
    assert_eq!(copied, blob);
    assert!(!range.contains(&(copied.data.as_ptr() as usize)));
}

#[test]
fn btree_maps_encode_in_key_order() {
    let mut forward = plain::Blob::default();
    let mut backward = plain::Blob::default();
    for k in 0..50 {
        forward.scores.insert(k, f64::from(k));
        backward.scores.insert(49 - k, f64::from(49 - k));
    }
    let encoded = forward.encode_to_vec();
    assert_eq!(encoded, backward.encode_to_vec());
    // Entries are on the wire in key order: the first is key 0 (tag 0x42, length).
    let first = plain::Blob::decode(&encoded[..encoded[1] as usize + 2]).unwrap();
    assert_eq!(first.scores.keys().copied().collect::<Vec<_>>(), [0]);
}

fn assert_eq_and_hash<T: Eq + Hash>() {}
fn assert_eq_only<T: Eq>() {}

#[test]
fn bitwise_float_eq_gives_eq_and_hash() {
    assert_eq_and_hash::<slick::options::Blob>();
    // Tree has HashMap fields: Eq, no Hash.
    assert_eq_only::<slick::Tree>();
    let nan = slick::options::Blob {
        weight: f64::NAN,
        samples: vec![f32::NAN],
        ..Default::default()
    };
    assert_eq!(nan, nan.clone());
    let zero = slick::options::Blob::default();
    let negative_zero = slick::options::Blob {
        weight: -0.0,
        ..Default::default()
    };
    assert_ne!(zero, negative_zero);
    let set: HashSet<_> = [nan.clone(), nan, zero.clone(), zero].into_iter().collect();
    assert_eq!(set.len(), 2);
    // Measurement compares floats as floats.
    let m = slick::options::Measurement {
        value: f32::NAN,
        ..Default::default()
    };
    assert_ne!(m, m.clone());
}

#[test]
fn readable_debug() {
    let blob = slick::options::Blob {
        data: rsfast::bytes::Bytes::from_static(b"\x00ab\""),
        shade: slick::options::Shade::Dark.into(),
        choice: Some(slick::options::blob::Choice::Raw(
            rsfast::bytes::Bytes::from_static(b"\xff"),
        )),
        ..Default::default()
    };
    let text = format!("{blob:?}");
    assert!(text.starts_with("Blob { data: b\"\\x00ab\\\"\""), "{text}");
    assert!(text.contains("shade: Dark"), "{text}");
    assert!(text.contains("choice: Raw(b\"\\xff\")"), "{text}");
    assert!(
        !text.contains("tag"),
        "unset optional fields are left out: {text}"
    );
    let text = format!("{:?}", plain::Legacy::default());
    assert!(
        !text.contains("unknown_fields") && !text.contains("blob"),
        "{text}"
    );
}

#[test]
fn populate_is_seeded_varied_and_bounded() {
    let a: slick::Scalars = from_seed(1);
    assert_eq!(a, from_seed(1));
    let distinct: HashSet<Vec<u8>> = (0..16)
        .map(|s| from_seed::<slick::Scalars>(s).encode_to_vec())
        .collect();
    assert!(distinct.len() > 12, "{} distinct of 16", distinct.len());
    fn depth(t: &slick::Tree) -> u32 {
        1 + t.children.iter().map(depth).max().unwrap_or(0)
    }
    let deepest = (0..64).map(|s| depth(&from_seed(s))).max().unwrap();
    assert!(deepest > 1 && deepest <= DEFAULT_DEPTH + 1, "{deepest}");
    // Closed enums only take declared values, required fields are always set.
    for seed in 0..32 {
        let closed: slick2::Closed = from_seed(seed);
        let bytes = closed.encode_to_vec();
        assert_eq!(slick2::Closed::decode(&bytes).unwrap(), closed);
        let required: slick2::HasRequired = from_seed(seed);
        required.check_initialized().unwrap();
    }
}

/// A message whose decoding loses its field: what the generated tests must catch.
#[derive(Clone, Default, Debug, PartialEq)]
struct Lossy {
    value: u32,
}

impl Message for Lossy {
    fn encoded_len(&self) -> usize {
        if self.value == 0 {
            0
        } else {
            1 + rsfast::wire::varint_len(u64::from(self.value))
        }
    }
    fn write_to(&self, w: &mut rsfast::Writer<'_>) {
        if self.value != 0 {
            w.put_varint(u64::from(self.value));
            w.put_varint(8);
        }
    }
    fn merge_from(
        &mut self,
        r: &mut rsfast::Reader<'_>,
        end_group: u32,
    ) -> Result<(), rsfast::DecodeError> {
        while let Some(tag) = r.next_tag(end_group)? {
            r.discard_field(tag)?;
        }
        Ok(())
    }
    fn clear(&mut self) {
        self.value = 0;
    }
}

impl Populate for Lossy {
    fn populate(
        u: &mut rsfast::populate::arbitrary::Unstructured<'_>,
        _depth: u32,
    ) -> rsfast::populate::arbitrary::Result<Self> {
        Ok(Lossy {
            value: u.arbitrary()?,
        })
    }
}

#[test]
fn generated_test_checks_catch_a_lossy_decoder() {
    let failure = std::panic::catch_unwind(rsfast::testgen::check_message::<Lossy>);
    let message = failure.expect_err("the checks pass a decoder that loses a field");
    let text = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(text.contains("decode(encode(m)) != m"), "{text}");
}

#[test]
fn bad_option_values_name_the_file_and_option() {
    let dir = common::temp_path("bad-options");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "option (rsfast.file).bytes = \"slice\";\nmessage M { bytes b = 1; }",
            "bad.proto: file options: option bytes: expected vec or bytes, got \"slice\"",
        ),
        (
            "message M { option (rsfast.message).tests = true; }",
            "bad.proto: message bad.M: option tests cannot be set on a message",
        ),
        (
            "message M { map<int32, int32> m = 1 [(rsfast.field).map = \"tree\"]; }",
            "bad.proto: field m: option map: expected hash_map or btree_map, got \"tree\"",
        ),
        (
            "message M { int32 a = 1 [(rsfast.field).attribute = \"derive(Hash)\"]; }",
            "bad.proto: field a: attribute \"derive(Hash)\"",
        ),
    ];
    for (body, expected) in cases {
        let proto = format!(
            "syntax = \"proto3\";\npackage bad;\nimport \"rsfast/options.proto\";\n{body}\n"
        );
        std::fs::write(dir.join("bad.proto"), proto).unwrap();
        let error = protoc_gen_rsfast::Config::new()
            .generate(&[dir.join("bad.proto")], &[&dir])
            .unwrap_err()
            .to_string();
        assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_builder_and_parameters_agree() {
    use protoc_gen_rsfast::{BytesType, Config, FloatEq, MapType, Options, Preset, StringType};
    let mut config = Config::new();
    config
        .preset(Preset::Slick)
        .tests(true)
        .benches(true)
        .populate(true)
        .float_eq(FloatEq::Bitwise)
        .bytes(BytesType::Bytes)
        .string(StringType::Bytes)
        .map(MapType::BTreeMap)
        .type_attribute(".a", "#[derive(Eq, Hash)]")
        .field_attribute("B.c", "#[doc(hidden)]")
        .grpc(true);
    let parameter = "preset=slick,tests,benches,populate,float_eq=bitwise,bytes=bytes,\
                     string=bytes,map=btree_map,type_attribute=.a=#[derive(Eq, Hash)],\
                     field_attribute=B.c=#[doc(hidden)],grpc";
    assert_eq!(config.options(), &Options::parse(parameter).unwrap());
    assert_ne!(config.options(), &Options::default());
    // The slick preset through either door generates the slick goldens.
    let mut slick = Config::new();
    slick.preset(Preset::Slick).tests(true).benches(true);
    let mut by_parameter = Config::new();
    by_parameter
        .parameter("preset=slick,tests,benches")
        .unwrap();
    let protos = [common::proto_dir().join("test/options.proto")];
    assert_eq!(
        slick.generate(&protos, &[common::proto_dir()]).unwrap(),
        by_parameter
            .generate(&protos, &[common::proto_dir()])
            .unwrap()
    );
}
