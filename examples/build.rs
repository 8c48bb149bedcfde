//! The build.rs path: compile .proto files with rsfast (pure Rust, no protoc needed) into
//! `$OUT_DIR/<package>.rs`.

fn main() {
    protoc_gen_rsfast::Config::new()
        .compile(&["../proto/echo.proto"], &["../proto"])
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
}
