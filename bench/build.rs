//! Generates, for the benchmark protos, the code of every library compared:
//!
//! - rsfast (`protoc_gen_rsfast::Config::compile`, protox inside) into `$OUT_DIR/rsfast`,
//! - rsfast again in its zero-copy mode (`bytes=bytes,string=bytes`: `bytes` fields as
//!   `bytes::Bytes`, strings as `rsfast::BytesString`) into `$OUT_DIR/rsfast_bytes`,
//! - prost (`prost_build::Config::compile_fds` over protox's descriptors) into `$OUT_DIR/prost`,
//! - buffa (`buffa_build::Config::descriptor_set`, protox's descriptors) into `$OUT_DIR/buffa`,
//! - rust-protobuf 3 (`protobuf_codegen::Codegen::pure`) into `$OUT_DIR/protobuf`,
//! - with feature `upb`, Google's upb-based `protobuf` crate 4.x (protoc's own
//!   `--rust_out`, through `protobuf_codegen::CodeGen` 4.x) into `$OUT_DIR/upb`.
//!
//! None of them needs protoc, except upb, which needs protoc 36.2 exactly ([`upb`]).

use std::path::{Path, PathBuf};

/// Proto files, relative to one of [`INCLUDES`].
const PROTOS: &[&str] = &[
    "benchmarks.proto",
    "benchmark_message1_proto2.proto",
    "benchmark_message1_proto3.proto",
    "benchmark_message2.proto",
    "shapes/bench_messages.proto",
    "depth.proto",
];
const INCLUDES: &[&str] = &["data", "proto"];

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let includes: Vec<PathBuf> = INCLUDES.iter().map(|i| manifest.join(i)).collect();
    let paths: Vec<PathBuf> = PROTOS.iter().map(|p| find(&includes, p)).collect();
    for p in &paths {
        println!("cargo:rerun-if-changed={}", p.display());
    }

    // Each proto on its own first, so that a parse error names its file.
    for p in &paths {
        if let Err(e) = protox::compile([p], &includes) {
            panic!("protox cannot parse {}: {e:?}", p.display());
        }
    }
    let fds = protox::compile(&paths, &includes).unwrap_or_else(|e| panic!("protox: {e:?}"));

    // rsfast.
    let rsfast_out = fresh_dir(&out.join("rsfast"));
    protoc_gen_rsfast::Config::new()
        .json(true)
        .out_dir(&rsfast_out)
        .compile(&paths, &includes)
        .unwrap_or_else(|e| panic!("rsfast: {e}"));

    // rsfast, zero-copy mode (the benchmarks' "rsfast Bytes" library): the same protos
    // with every option that makes decoding from a `bytes::Bytes`
    // (`Message::decode_bytes`) share the input instead of copying it: `bytes` fields as
    // `bytes::Bytes`, strings as `rsfast::BytesString`. A later option of this mode is
    // one more builder call here.
    let rsfast_bytes_out = fresh_dir(&out.join("rsfast_bytes"));
    protoc_gen_rsfast::Config::new()
        .bytes(protoc_gen_rsfast::BytesType::Bytes)
        .string(protoc_gen_rsfast::StringType::Bytes)
        .out_dir(&rsfast_bytes_out)
        .compile(&paths, &includes)
        .unwrap_or_else(|e| panic!("rsfast (bytes=bytes): {e}"));

    // prost.
    let prost_out = fresh_dir(&out.join("prost"));
    prost_build::Config::new()
        .out_dir(&prost_out)
        .compile_fds(fds.clone())
        .unwrap_or_else(|e| panic!("prost-build: {e}"));
    // pbjson: serde impls for prost's types (`<package>.serde.rs` beside them).
    pbjson_build::Builder::new()
        .register_descriptors(&prost::Message::encode_to_vec(&fds))
        .unwrap_or_else(|e| panic!("pbjson-build: {e}"))
        .out_dir(&prost_out)
        .build(&[".benchmarks.proto3", ".bench"])
        .unwrap_or_else(|e| panic!("pbjson-build: {e}"));

    // buffa, from the same descriptors (written as a FileDescriptorSet file).
    let buffa_out = fresh_dir(&out.join("buffa"));
    let fds_path = out.join("benchmarks.fds.bin");
    // Written only when it changes: buffa-build asks cargo to rerun this script when the
    // file changes, and rewriting it on every run would make every build dirty.
    let fds_bytes = prost::Message::encode_to_vec(&fds);
    if std::fs::read(&fds_path).ok().as_deref() != Some(&fds_bytes[..]) {
        std::fs::write(&fds_path, fds_bytes).expect("write descriptor set");
    }
    buffa_build::Config::new()
        .descriptor_set(&fds_path)
        .files(PROTOS)
        .out_dir(&buffa_out)
        .include_file("mod.rs")
        .compile()
        .unwrap_or_else(|e| panic!("buffa-build: {e}"));

    // rust-protobuf 3, pure-Rust parser. Its files start with inner attributes and
    // inner doc comments, which `include!` inside a module rejects: strip them (the
    // including module carries the allows) and write one wrapper module per file.
    let protobuf_raw = fresh_dir(&out.join("protobuf-raw"));
    protobuf_codegen::Codegen::new()
        .pure()
        .includes(&includes)
        .inputs(&paths)
        .out_dir(&protobuf_raw)
        .run()
        .unwrap_or_else(|e| panic!("protobuf-codegen: {e:?}"));
    let protobuf_out = fresh_dir(&out.join("protobuf"));
    let mut modules = String::new();
    for proto in PROTOS {
        let stem = Path::new(proto).file_stem().unwrap().to_str().unwrap();
        let source = std::fs::read_to_string(protobuf_raw.join(format!("{stem}.rs")))
            .unwrap_or_else(|e| panic!("rust-protobuf output for {proto}: {e}"));
        let cleaned: String = source
            .lines()
            .filter(|l| !l.starts_with("#![") && !l.starts_with("//!"))
            .flat_map(|l| [l, "\n"])
            .collect();
        let file = protobuf_out.join(format!("{stem}.rs"));
        std::fs::write(&file, cleaned).expect("write rust-protobuf output");
        modules.push_str(&format!(
            "pub mod {stem} {{ include!({:?}); }}\n",
            file.display().to_string()
        ));
    }
    std::fs::write(protobuf_out.join("mod.rs"), modules).expect("write rust-protobuf mod.rs");

    #[cfg(feature = "upb")]
    upb::generate(&out, &includes);
}

/// Google's upb-based `protobuf` crate (4.x, renamed `upb_protobuf` in `Cargo.toml` beside
/// rust-protobuf 3). Its generator is protoc's built-in `--rust_out`, and the crate checks
/// that protoc's version matches its own (crate 4.36.2 needs protoc 36.2): protoc comes
/// from `$PROTOC_UPB`, else from the npm package `protoc@36.2.0` that
/// `scripts/upb-protoc.sh` installs under `~/.cache/rsfast-protoc-36.2`.
#[cfg(feature = "upb")]
mod upb {
    use std::path::{Path, PathBuf};

    /// Where `scripts/upb-protoc.sh` installs protoc, under `$HOME`.
    const CACHED: &str = ".cache/rsfast-protoc-36.2/node_modules/.bin/protoc";

    fn protoc() -> PathBuf {
        println!("cargo:rerun-if-env-changed=PROTOC_UPB");
        if let Some(p) = std::env::var_os("PROTOC_UPB") {
            return PathBuf::from(p);
        }
        let cached = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(CACHED));
        match cached {
            Some(p) if p.exists() => {
                println!("cargo:rerun-if-changed={}", p.display());
                p
            }
            _ => panic!(
                "feature `upb` needs protoc 36.2 exactly (the `protobuf` crate 4.36.2 checks \
                 it): run `scripts/upb-protoc.sh` (npm install protoc@36.2.0 into \
                 ~/{CACHED}), or set PROTOC_UPB to a protoc 36.2"
            ),
        }
    }

    /// Generates into `$OUT_DIR/upb` and writes `mod.rs` over the generated files.
    pub fn generate(out: &Path, includes: &[PathBuf]) {
        let upb_out = super::fresh_dir(&out.join("upb"));
        let protoc = protoc();
        upb_protobuf_codegen::CodeGen::new()
            .protoc_path(&protoc)
            // Relative to an include: protoc finds them there, and the generator names its
            // outputs after them (`shapes/bench_messages.u.pb.rs`).
            .inputs(super::PROTOS)
            .includes(includes.iter())
            .output_dir(&upb_out)
            .generate_and_compile()
            .unwrap_or_else(|e| {
                panic!(
                    "upb protobuf-codegen with protoc {}: {e}\n(feature `upb` needs protoc 36.2: \
                     run `scripts/upb-protoc.sh`, or set PROTOC_UPB)",
                    protoc.display()
                )
            });
        // The generated code names its runtime `::protobuf`, which is rust-protobuf 3 in this
        // crate: point it at the renamed crate. Its entry point `generated.rs` declares one
        // module per file with `#[path]`, which `include!` inside a module cannot resolve:
        // write `mod.rs` with one inline module per file instead (same names, since the
        // files refer to each other as `super::<module>`).
        let entry = std::fs::read_to_string(upb_out.join("generated.rs"))
            .unwrap_or_else(|e| panic!("upb generated.rs: {e}"));
        let mut modules = String::new();
        let mut path: Option<&str> = None;
        for line in entry.lines() {
            if let Some(p) = line
                .strip_prefix("#[path=\"")
                .and_then(|l| l.strip_suffix("\"]"))
            {
                path = Some(p);
            } else if let Some(name) = line
                .strip_prefix("pub mod ")
                .and_then(|l| l.strip_suffix(';'))
            {
                let file = upb_out.join(path.take().expect("#[path] before pub mod"));
                let source = std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("upb output {}: {e}", file.display()));
                std::fs::write(&file, source.replace("::protobuf::", "::upb_protobuf::"))
                    .expect("write upb output");
                modules.push_str(&format!(
                    "pub mod {name} {{ include!({:?}); }}\n",
                    file.display().to_string()
                ));
            }
        }
        assert!(
            modules.lines().count() == super::PROTOS.len(),
            "upb generated.rs: expected one module per proto, got:\n{entry}"
        );
        std::fs::write(upb_out.join("mod.rs"), modules).expect("write upb mod.rs");
    }
}

fn find(includes: &[PathBuf], proto: &str) -> PathBuf {
    includes
        .iter()
        .map(|i| i.join(proto))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{proto} not found under {includes:?}"))
}

fn fresh_dir(dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create output dir");
    dir.to_path_buf()
}
