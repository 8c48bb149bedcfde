//! The `protoc-gen-rsfast` binary, run by a real protoc and as a CLI, produces exactly
//! what the library API produces.
//!
//! `CARGO_BIN_EXE_protoc-gen-rsfast` only exists for the generator's own tests, so the
//! binary is built here with `cargo build -p protoc-gen-rsfast` into this test's target
//! directory, once per test run.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use prost::Message as _;
use prost_types::compiler::CodeGeneratorResponse;

/// Builds the plugin binary (once) and returns its path.
fn plugin_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_plugin)
}

fn build_plugin() -> PathBuf {
    // This test is target/<profile>/deps/plugin-<hash>; binaries go to target/<profile>.
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable is not in <target>/<profile>/deps")
        .to_path_buf();
    let target_dir = profile_dir.parent().expect("no target dir").to_path_buf();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(name) => name.to_owned(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            "protoc-gen-rsfast",
            "--bin",
            "protoc-gen-rsfast",
        ])
        .args(["--profile", &profile])
        // The target dir this test runs from: CARGO_TARGET_DIR's when that is set.
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    let output = command.output().expect("running cargo build");
    assert!(
        output.status.success(),
        "cargo build -p protoc-gen-rsfast failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = profile_dir.join(format!("protoc-gen-rsfast{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "built the plugin, but {} does not exist",
        binary.display()
    );
    binary
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let path = common::temp_path(label);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir`, by path relative to it (with `/` separators).
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let content = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.insert(name, content);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// Runs protoc on `protos` with the plugin; `out` is the `--rsfast_out` value.
fn protoc(protos: &[&str], out: &str) -> Output {
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc");
    let mut plugin = OsString::from("--plugin=protoc-gen-rsfast=");
    plugin.push(plugin_binary());
    let mut include = OsString::from("-I");
    include.push(common::proto_dir());
    Command::new(protoc)
        .arg(plugin)
        .arg(include)
        .arg(format!("--rsfast_out={out}"))
        .args(protos)
        .current_dir(common::proto_dir())
        .output()
        .expect("running protoc")
}

/// Runs protoc into a temp dir and returns the files it wrote.
fn protoc_files(parameter: Option<&str>) -> BTreeMap<String, String> {
    let dir = TempDir::new("protoc");
    let out = match parameter {
        Some(p) => format!("{p}:{}", dir.0.display()),
        None => dir.0.display().to_string(),
    };
    let output = protoc(&common::protos(), &out);
    assert!(
        output.status.success(),
        "protoc --rsfast_out={out} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    read_tree(&dir.0)
}

/// Asserts two sets of generated files are identical, naming what differs.
fn assert_same_files(
    what: &str,
    actual: &BTreeMap<String, String>,
    expected: &BTreeMap<String, String>,
) {
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: different file names than the library API"
    );
    for (name, content) in actual {
        assert!(
            content == &expected[name],
            "{what}: {name} differs from the library API's output \
             (- library, + {what}):\n{}",
            common::line_diff(&expected[name], content)
        );
    }
}

#[test]
fn protoc_plugin_matches_library() {
    let from_protoc = protoc_files(None);
    let from_library = common::by_name(common::generate_with(""));
    assert_eq!(from_library.len(), common::protos().len());
    assert_same_files("protoc plugin", &from_protoc, &from_library);
}

/// The done-when of the options issue: `--rsfast_out=preset=slick,tests,benches:OUT`
/// writes what the library writes (the slick goldens, which the tests crate compiles and
/// whose generated tests it runs), benchmark files included.
#[test]
fn protoc_plugin_slick_with_tests_and_benches_matches_library() {
    let parameter = "preset=slick,tests,benches";
    let from_protoc = protoc_files(Some(parameter));
    let from_library = common::by_name(common::generate_with(parameter));
    assert_eq!(from_library.len(), 2 * common::protos().len());
    assert!(from_protoc.contains_key("rsfast.test.benches.rs"));
    assert_same_files("protoc plugin with slick", &from_protoc, &from_library);
}

#[test]
fn protoc_plugin_parameter_is_applied() {
    let from_protoc = protoc_files(Some("unknown_fields=false"));
    let from_library = common::by_name(common::generate_with("unknown_fields=false"));
    assert_same_files(
        "protoc plugin with unknown_fields=false",
        &from_protoc,
        &from_library,
    );
    // No `unknown_fields` field (a proto field of that name is still `unknown_fields_`),
    // except on messages with extension ranges: their extensions live there.
    let field = "pub unknown_fields: ::rsfast::UnknownFields";
    // (options.proto's Envelope keeps them by its own option: the narrowest scope wins.)
    for (name, content) in from_protoc
        .iter()
        .filter(|(name, _)| *name != "rsfast.test.options.rs")
    {
        assert_eq!(
            content.matches(field).count(),
            content.matches("impl ::rsfast::Extendable for").count(),
            "{name} still keeps unknown fields with unknown_fields=false"
        );
        assert!(
            !content.contains("r.skip_field(tag, &mut self.unknown_fields)")
                || content.contains("impl ::rsfast::Extendable for")
        );
    }
    // Which is a real change from the default.
    let default = common::by_name(common::generate_with(""));
    assert!(default.values().all(|content| content.contains(field)));
    assert_ne!(from_protoc, default);
}

#[test]
fn protoc_plugin_reports_bad_option() {
    let dir = TempDir::new("bad-option");
    let output = protoc(&common::protos(), &format!("bogus=1:{}", dir.0.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "protoc accepted bogus=1; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("bogus"),
        "protoc's error does not name the option:\n{stderr}"
    );
    assert!(
        read_tree(&dir.0).is_empty(),
        "files written despite the error"
    );
}

#[test]
fn cli_matches_library() {
    let dir = TempDir::new("cli");
    let output = Command::new(plugin_binary())
        .args(["-I", "proto", "-o"])
        .arg(&dir.0)
        .arg("proto/echo.proto")
        .current_dir(common::proto_dir().join(".."))
        // Not a build script: no cargo: lines.
        .env_remove("OUT_DIR")
        .output()
        .expect("running protoc-gen-rsfast");
    assert!(
        output.status.success(),
        "protoc-gen-rsfast -I proto -o OUT proto/echo.proto failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let from_cli = read_tree(&dir.0);
    let from_library: BTreeMap<_, _> = common::by_name(common::generate_with(""))
        .into_iter()
        .filter(|(name, _)| name == "grpc.examples.echo.rs")
        .collect();
    assert_eq!(from_library.len(), 1);
    assert_same_files("CLI", &from_cli, &from_library);
}

/// The plugin protocol without protoc: a request built with protox (for the protos it
/// parses), on the binary's stdin.
#[test]
fn plugin_request_matches_library() {
    // protox's own descriptor.proto: the newer copy under proto/ is for protoc.
    let mut resolver = protox::file::ChainFileResolver::new();
    resolver.add(protox::file::GoogleFileResolver::new());
    resolver.add(protox::file::IncludeFileResolver::new(common::proto_dir()));
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_source_info(true).include_imports(true);
    compiler.open_files(common::PROTOX_PROTOS).unwrap();
    // rsfast's own descriptor types keep options.proto's custom options (extensions),
    // which prost-types would drop.
    let set = <protoc_gen_rsfast::descriptor::FileDescriptorSet as rsfast::Message>::decode(
        &compiler.encode_file_descriptor_set(),
    )
    .unwrap();
    let request = rsfast::Message::encode_to_vec(
        &protoc_gen_rsfast::descriptor::compiler::CodeGeneratorRequest {
            file_to_generate: common::PROTOX_PROTOS
                .iter()
                .map(|p| p.to_string())
                .collect(),
            proto_file: set.file,
            ..Default::default()
        },
    );
    let mut child = Command::new(plugin_binary())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running protoc-gen-rsfast");
    child.stdin.take().unwrap().write_all(&request).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "protoc-gen-rsfast failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let response =
        CodeGeneratorResponse::decode(output.stdout.as_slice()).expect("a CodeGeneratorResponse");
    assert_eq!(response.error, None);
    let from_plugin = response
        .file
        .into_iter()
        .map(|f| (f.name.unwrap_or_default(), f.content.unwrap_or_default()))
        .collect();
    let from_library = common::by_name(common::generate_protox(""));
    assert_same_files("plugin request", &from_plugin, &from_library);
}

/// protoc users get `rsfast/options.proto` from the binary, and protoc reads the options
/// a .proto file sets through it: the plugin's output then equals the library's (which
/// knows the file without it).
#[test]
fn written_options_proto_serves_protoc() {
    let dir = TempDir::new("options-proto");
    let output = Command::new(plugin_binary())
        .arg("--write-options-proto")
        .arg(&dir.0)
        .output()
        .expect("running protoc-gen-rsfast");
    assert!(output.status.success(), "{output:?}");
    let written = std::fs::read_to_string(dir.0.join("rsfast/options.proto")).unwrap();
    assert_eq!(written, protoc_gen_rsfast::OPTIONS_PROTO);

    // proto/test/options.proto alone, with the written file first on protoc's path.
    std::fs::create_dir_all(dir.0.join("test")).unwrap();
    std::fs::copy(
        common::proto_dir().join("test/options.proto"),
        dir.0.join("test/options.proto"),
    )
    .unwrap();
    let out = TempDir::new("options-out");
    let output = Command::new(protoc_bin_vendored::protoc_bin_path().expect("vendored protoc"))
        .arg(format!(
            "--plugin=protoc-gen-rsfast={}",
            plugin_binary().display()
        ))
        .arg("-I")
        .arg(&dir.0)
        .arg("-I")
        .arg(protoc_bin_vendored::include_path().expect("vendored includes"))
        .arg(format!("--rsfast_out={}", out.0.display()))
        .arg("test/options.proto")
        .current_dir(&dir.0)
        .output()
        .expect("running protoc");
    assert!(output.status.success(), "{output:?}");
    let from_protoc = read_tree(&out.0);
    let from_library = common::by_name(common::generate_with(""));
    assert_eq!(
        from_protoc["rsfast.test.options.rs"],
        from_library["rsfast.test.options.rs"]
    );
}
