//! The `file_descriptor_set` option (the `FILE_DESCRIPTOR_SET` constant that gRPC server
//! reflection serves) and `Config::file_descriptor_set_path`: both hold the compiled
//! files and everything they import, as protoc's `--include_imports` writes them.

mod common;

use prost::Message as _;
use prost_types::FileDescriptorSet;
use protoc_gen_rsfast::{Config, Options};
use rsfast::Message as _;

/// The value of `pub const FILE_DESCRIPTOR_SET: &[u8] = b"...";` in generated source.
fn embedded_set(source: &str) -> Option<Vec<u8>> {
    let file = syn::parse_file(source).expect("generated code parses");
    file.items.iter().find_map(|item| match item {
        syn::Item::Const(c) if c.ident == "FILE_DESCRIPTOR_SET" => match &*c.expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::ByteStr(bytes),
                ..
            }) => Some(bytes.value()),
            _ => panic!("FILE_DESCRIPTOR_SET is not a byte string literal"),
        },
        _ => None,
    })
}

fn file_names(set: &FileDescriptorSet) -> Vec<&str> {
    set.file.iter().map(|f| f.name()).collect()
}

/// protoc's own `--include_imports --include_source_info` set, decoded by prost.
fn protoc_set(protos: &[&str]) -> FileDescriptorSet {
    let set = common::protoc_descriptor_set(protos, &[common::proto_dir()]);
    FileDescriptorSet::decode(set.encode_to_vec().as_slice()).unwrap()
}

#[test]
fn embedded_set_holds_the_package_files_and_their_imports() {
    // types3.proto (package rsfast.test) imports other.proto (rsfast.test.other).
    let protos = ["test/types3.proto"];
    let expected = protoc_set(&protos);
    assert_eq!(
        file_names(&expected),
        ["test/other.proto", "test/types3.proto"]
    );
    let options = Options::parse("file_descriptor_set").unwrap();
    assert!(options.file_descriptor_set);
    let descriptors = common::protoc_descriptor_set(&protos, &[common::proto_dir()]);
    let (generated, _) =
        protoc_gen_rsfast::generate(&descriptors.file, &["test/types3.proto".into()], &options)
            .unwrap();
    let [file] = generated.as_slice() else {
        panic!("expected one package file, got {generated:?}");
    };
    assert_eq!(file.name, "rsfast.test.rs");
    let embedded = embedded_set(&file.content).expect("no FILE_DESCRIPTOR_SET constant");
    let embedded = FileDescriptorSet::decode(embedded.as_slice()).expect("the set decodes");
    // Imports first, with source info (comments for reflection clients), as protoc has them.
    assert_eq!(embedded, expected);
    assert!(embedded.file[1].source_code_info.is_some());
}

#[test]
fn each_package_embeds_its_own_files() {
    let protos = ["test/types3.proto", "test/other.proto"];
    let descriptors = common::protoc_descriptor_set(&protos, &[common::proto_dir()]);
    let requested: Vec<String> = protos.iter().map(|p| p.to_string()).collect();
    let options = Options::parse("file_descriptor_set=true").unwrap();
    let (generated, _) =
        protoc_gen_rsfast::generate(&descriptors.file, &requested, &options).unwrap();
    let sets: Vec<(String, Vec<String>)> = generated
        .iter()
        .map(|f| {
            let set = FileDescriptorSet::decode(embedded_set(&f.content).unwrap().as_slice());
            let names = file_names(&set.unwrap())
                .into_iter()
                .map(str::to_owned)
                .collect();
            (f.name.clone(), names)
        })
        .collect();
    assert_eq!(
        sets,
        [
            (
                "rsfast.test.rs".to_owned(),
                vec![
                    "test/other.proto".to_owned(),
                    "test/types3.proto".to_owned()
                ]
            ),
            (
                "rsfast.test.other.rs".to_owned(),
                vec!["test/other.proto".to_owned()]
            ),
        ]
    );
}

#[test]
fn no_constant_without_the_option() {
    let mut config = Config::new();
    config.file_descriptor_set(false);
    let generated = config
        .generate(
            &[common::proto_dir().join("echo.proto")],
            &[common::proto_dir()],
        )
        .unwrap();
    assert_eq!(embedded_set(&generated[0].content), None);
    assert!(!generated[0].content.contains("FILE_DESCRIPTOR_SET"));
}

#[test]
fn missing_import_is_an_error() {
    let mut descriptors =
        common::protoc_descriptor_set(&["test/types3.proto"], &[common::proto_dir()]);
    descriptors.file.retain(|f| f.name() != "test/other.proto");
    let options = Options::parse("file_descriptor_set").unwrap();
    let error =
        protoc_gen_rsfast::generate(&descriptors.file, &["test/types3.proto".into()], &options)
            .unwrap_err()
            .to_string();
    assert!(error.contains("test/other.proto"), "{error}");
}

#[test]
fn config_writes_the_set_of_compiled_files_with_imports() {
    let out = common::temp_path("fds-path");
    let path = out.join("descriptors.bin");
    let mut config = Config::new();
    config.out_dir(&out).file_descriptor_set_path(&path);
    config
        .compile(
            &[common::proto_dir().join("test/types3.proto")],
            &[common::proto_dir()],
        )
        .unwrap();
    let written = std::fs::read(&path);
    let _ = std::fs::remove_dir_all(&out);
    let written = FileDescriptorSet::decode(written.unwrap().as_slice()).unwrap();
    // protox parses here: the same files, messages and services as protoc's.
    let expected = protoc_set(&["test/types3.proto"]);
    assert_eq!(file_names(&written), file_names(&expected));
    for (got, want) in written.file.iter().zip(&expected.file) {
        assert_eq!(got.message_type, want.message_type, "{}", got.name());
        assert_eq!(got.dependency, want.dependency, "{}", got.name());
        assert!(
            got.source_code_info.is_some(),
            "{} lacks source info",
            got.name()
        );
    }
}
