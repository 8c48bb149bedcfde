//! Shared by the golden and plugin tests: which protos the goldens come from, and the
//! library API's output for them.

use std::path::PathBuf;

use protoc_gen_rsfast::{Config, GeneratedFile};

/// The protos the goldens are generated from, relative to [`proto_dir`].
pub const PROTOS: [&str; 4] = [
    "test/types3.proto",
    "test/types2.proto",
    "test/other.proto",
    "echo.proto",
];

/// `proto/` at the workspace root: the include directory.
pub fn proto_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto")
}

/// Paths of [`PROTOS`] under [`proto_dir`].
pub fn proto_paths() -> Vec<PathBuf> {
    PROTOS.iter().map(|p| proto_dir().join(p)).collect()
}

/// Generates every test proto at once through the library API, with `parameter` applied.
pub fn generate_with(parameter: &str) -> Vec<GeneratedFile> {
    let mut config = Config::new();
    config
        .parameter(parameter)
        .unwrap_or_else(|e| panic!("parameter {parameter:?}: {e}"));
    config
        .generate(&proto_paths(), &[proto_dir()])
        .unwrap_or_else(|e| panic!("generating the test protos: {e}"))
}
