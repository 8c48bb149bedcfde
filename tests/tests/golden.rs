//! The checked-in goldens (`tests/golden/`) are exactly what the generator emits today
//! for the test protos (`common::protos()`; editions ones parsed by protoc, the rest by
//! protox).
//!
//! On a mismatch the test prints a line diff; `RSFAST_BLESS=1 cargo test -p rsfast-tests
//! --test golden` rewrites the goldens instead (review the change with `git diff`).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const BLESS: &str = "set RSFAST_BLESS=1 to rewrite";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn blessing() -> bool {
    std::env::var_os("RSFAST_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The `.rs` files in the golden directory, by file name.
fn read_goldens(dir: &Path) -> BTreeMap<String, String> {
    let mut goldens = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        // mod.rs files are hand-written: they include the generated ones.
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("mod.rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let content = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            goldens.insert(name, content);
        }
    }
    goldens
}

#[test]
fn goldens_are_up_to_date() {
    let generated = common::by_name(common::generate_with(""));
    check("tests/golden", &golden_dir(), &generated);
}

/// rsfast's own descriptor types are what rsfast generates today from descriptor.proto
/// and plugin.proto, and its own options (the generator is its own first user).
#[test]
fn bootstrap_descriptor_types_are_up_to_date() {
    let protos = [
        "google/protobuf/descriptor.proto",
        "google/protobuf/compiler/plugin.proto",
        "rsfast/options.proto",
    ];
    let generated = common::generate_through_protoc(&protos, &[common::proto_dir()], "");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protoc-gen-rsfast/src/descriptor");
    check(
        "protoc-gen-rsfast/src/descriptor",
        &dir,
        &common::by_name(generated),
    );
}

/// The runtime's well-known types (`rsfast::wkt`) are what rsfast generates today from
/// Google's .proto files.
#[test]
fn well_known_types_are_up_to_date() {
    let protos: Vec<PathBuf> = protoc_gen_rsfast::WKT_FILES
        .iter()
        .map(|p| common::proto_dir().join(p))
        .collect();
    let generated = protoc_gen_rsfast::Config::new()
        .generate(&protos, &[common::proto_dir()])
        .unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime/src/wkt/generated");
    check(
        "runtime/src/wkt/generated",
        &dir,
        &common::by_name(generated),
    );
}

/// The conformance testee's messages are what rsfast generates today.
#[test]
fn conformance_messages_are_up_to_date() {
    let protos = [
        "conformance/conformance.proto",
        "google/protobuf/test_messages_proto2.proto",
        "google/protobuf/test_messages_proto3.proto",
        "google/protobuf/test_messages_edition2023.proto",
        "google/protobuf/test_messages_proto2_editions.proto",
        "google/protobuf/test_messages_proto3_editions.proto",
    ];
    let includes = [common::proto_dir().join("conformance"), common::proto_dir()];
    let generated = common::generate_through_protoc(&protos, &includes, "json,text");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/src/gen");
    check("conformance/src/gen", &dir, &common::by_name(generated));
}

/// The slick preset with generated tests and benchmarks for every test proto: what
/// `--rsfast_out=preset=slick,tests,benches:OUT` writes. The tests crate compiles it and
/// runs the generated tests (`cargo test -p rsfast-tests --lib`).
#[test]
fn slick_goldens_are_up_to_date() {
    let generated = common::by_name(common::generate_with(SLICK));
    check(
        "tests/golden/slick",
        &golden_dir().join("slick"),
        &generated,
    );
}

/// The faster preset with tests (so populate only under `#[cfg(test)]`), bytes::Bytes,
/// BTreeMap, bitwise float eq and attributes given as parameters, on types3.proto (and
/// other.proto, which it imports) and types2.proto (defaults, groups, extensions).
#[test]
fn faster_golden_is_up_to_date() {
    let mut config = protoc_gen_rsfast::Config::new();
    config.parameter(FASTER).unwrap();
    let generated = config
        .generate(
            &[
                common::proto_dir().join("test/types3.proto"),
                common::proto_dir().join("test/other.proto"),
                common::proto_dir().join("test/types2.proto"),
            ],
            &[common::proto_dir()],
        )
        .unwrap();
    check(
        "tests/golden/faster",
        &golden_dir().join("faster"),
        &common::by_name(generated),
    );
}

/// The parameters of the faster golden.
pub const FASTER: &str = "preset=faster,tests,eq,float_eq=bitwise,bytes=bytes,map=btree_map,\
    type_attribute=.rsfast.test.Scalars=#[derive(PartialOrd)],\
    field_attribute=Scalars.f_string=#[doc(alias = \"text\")]";

/// The parameters of the slick goldens.
const SLICK: &str = "preset=slick,tests,benches";

/// The text format code of the `text` option over every test proto (`tests/src/lib.rs`
/// compiles it, lints it and round-trips through it).
#[test]
fn text_goldens_are_up_to_date() {
    // Not options.proto: its BTreeMap fields are not supported with `text` (an error).
    let protos: Vec<PathBuf> = common::PROTOX_PROTOS
        .iter()
        .filter(|p| **p != "test/options.proto")
        .map(|p| common::proto_dir().join(p))
        .collect();
    let mut config = protoc_gen_rsfast::Config::new();
    config.text(true);
    let mut generated = config.generate(&protos, &[common::proto_dir()]).unwrap();
    generated.extend(common::generate_protoc("text"));
    let generated = common::by_name(generated);
    check("tests/golden/text", &golden_dir().join("text"), &generated);
}

/// The zero-copy types (`bytes::Bytes` fields, `rsfast::BytesString` strings) with
/// JSON, text and the slick preset: what `JSON_BYTES` writes for types3.proto,
/// other.proto and types2.proto (defaults, groups, extensions) with the generated tests,
/// and for wkt.proto (the well-known types keep `String`) without them, as the
/// well-known types do not implement `Populate` (`tests/src/lib.rs` compiles and tests
/// it; `tests/tests/json.rs` round-trips its fields).
#[test]
fn json_bytes_golden_is_up_to_date() {
    let generate = |parameter: &str, protos: &[&str]| {
        let mut config = protoc_gen_rsfast::Config::new();
        config.parameter(parameter).unwrap();
        let protos: Vec<PathBuf> = protos.iter().map(|p| common::proto_dir().join(p)).collect();
        config.generate(&protos, &[common::proto_dir()]).unwrap()
    };
    let mut generated = generate(
        &format!("{JSON_BYTES},tests"),
        &["test/types3.proto", "test/other.proto", "test/types2.proto"],
    );
    generated.extend(generate(JSON_BYTES, &["test/wkt.proto"]));
    check(
        "tests/golden/json_bytes",
        &golden_dir().join("json_bytes"),
        &common::by_name(generated),
    );
}

/// The parameters of the json_bytes golden (and, with `tests`, of its generated tests).
const JSON_BYTES: &str = "json,text,bytes=bytes,string=bytes,preset=slick";

/// `map=btree_map` with `json` (or `text`) is a clear generator error, not code that
/// does not compile.
#[test]
fn btree_map_with_json_is_an_error_naming_the_field() {
    let mut config = protoc_gen_rsfast::Config::new();
    config.parameter("json,map=btree_map").unwrap();
    let error = config
        .generate(
            &[common::proto_dir().join("test/types3.proto")],
            &[common::proto_dir()],
        )
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("test/types3.proto") && error.contains("map=btree_map"),
        "{error}"
    );
}

/// The tonic client and server code of the `grpc` option, reviewed as a diff (the
/// examples crate compiles and runs the same code).
#[test]
fn grpc_golden_is_up_to_date() {
    let mut config = protoc_gen_rsfast::Config::new();
    config.parameter("grpc").unwrap();
    let generated = config
        .generate(
            &[common::proto_dir().join("echo.proto")],
            &[common::proto_dir()],
        )
        .unwrap();
    check(
        "tests/golden/grpc",
        &golden_dir().join("grpc"),
        &common::by_name(generated),
    );
}

/// The `file_descriptor_set` option's constant (`tests/tests/descriptor_set.rs` checks
/// its contents).
#[test]
fn file_descriptor_set_golden_is_up_to_date() {
    let mut config = protoc_gen_rsfast::Config::new();
    config.parameter("file_descriptor_set").unwrap();
    let generated = config
        .generate(
            &[common::proto_dir().join("echo.proto")],
            &[common::proto_dir()],
        )
        .unwrap();
    check(
        "tests/golden/file_descriptor_set",
        &golden_dir().join("file_descriptor_set"),
        &common::by_name(generated),
    );
}

/// The `json` option's output (serde impls, `register_json_types`) for the test protos
/// and the well-known-type fields of `test/wkt.proto`; `tests/src/lib.rs` compiles it
/// and `tests/tests/json.rs` runs it.
#[test]
fn json_golden_is_up_to_date() {
    let protos: Vec<PathBuf> = common::JSON_PROTOS
        .iter()
        .map(|p| common::proto_dir().join(p))
        .collect();
    let generated = protoc_gen_rsfast::Config::new()
        .json(true)
        .generate(&protos, &[common::proto_dir()])
        .unwrap();
    check(
        "tests/golden/json",
        &golden_dir().join("json"),
        &common::by_name(generated),
    );
}

/// Compares the `.rs` files in `dir` with `generated`; with `RSFAST_BLESS=1`, rewrites them.
fn check(label: &str, dir: &Path, generated: &BTreeMap<String, String>) {
    let goldens = read_goldens(dir);
    if blessing() {
        for (name, content) in generated {
            if goldens.get(name) != Some(content) {
                std::fs::write(dir.join(name), content).unwrap();
                eprintln!("blessed {label}/{name}");
            }
        }
        for name in goldens.keys().filter(|n| !generated.contains_key(*n)) {
            std::fs::remove_file(dir.join(name)).unwrap();
            eprintln!("removed {label}/{name}");
        }
        return;
    }

    let mut report = String::new();
    for (name, content) in generated {
        match goldens.get(name) {
            None => writeln!(
                report,
                "{label}/{name} is missing: the generator emits it (and a module must include it)"
            )
            .unwrap(),
            Some(golden) if golden != content => {
                writeln!(
                    report,
                    "{label}/{name} differs from the generator's output:"
                )
                .unwrap();
                report.push_str(&common::line_diff(golden, content));
            }
            Some(_) => {}
        }
    }
    for name in goldens.keys().filter(|n| !generated.contains_key(*n)) {
        writeln!(
            report,
            "{label}/{name} is extra: the generator no longer emits it"
        )
        .unwrap();
    }
    assert!(report.is_empty(), "{label}:\n{report}{BLESS}");
}

#[test]
fn generation_is_deterministic() {
    let first = common::generate_with("");
    let second = common::generate_with("");
    assert_eq!(
        first.iter().map(|f| &f.name).collect::<Vec<_>>(),
        second.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    for (a, b) in first.iter().zip(&second) {
        assert!(
            a.content == b.content,
            "{} differs between two runs:\n{}",
            a.name,
            common::line_diff(&a.content, &b.content)
        );
    }
}

#[test]
fn line_diff_shows_changes_with_context() {
    let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
    let new: String = (1..=21)
        .filter(|&n| n != 18)
        .map(|n| match n {
            3 => "three\n".to_owned(),
            n => format!("{n}\n"),
        })
        .collect();
    assert_eq!(
        common::line_diff(&old, &new),
        "@@ -1,6 +1,6 @@\n  1\n  2\n- 3\n+ three\n  4\n  5\n  6\n\
         @@ -15,6 +15,6 @@\n  15\n  16\n  17\n- 18\n  19\n  20\n+ 21\n"
    );
    assert_eq!(
        common::line_diff("x\n", "x"),
        "(no line differs: line endings or the trailing newline differ)\n"
    );
}
