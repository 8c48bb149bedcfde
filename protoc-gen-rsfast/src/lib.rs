//! `protoc-gen-rsfast`: a Protocol Buffers code generator for Rust that emits specialised
//! encode, decode and size code for the [`rsfast`](https://docs.rs/rsfast) runtime.
//!
//! Three front doors, one output: the `protoc-gen-rsfast` protoc plugin, [`Config::compile`]
//! for build scripts (pure Rust, through protox: no protoc needed), and
//! [`Config::compile_fds`] for an existing `FileDescriptorSet`.
//!
//! ```no_run
//! // in build.rs's main:
//! protoc_gen_rsfast::Config::new()
//!     .compile(&["proto/echo.proto"], &["proto"])
//!     .unwrap();
//! ```
//! and in the crate: `rsfast::include_proto!("grpc.examples.echo");`.

pub mod descriptor;
mod error;
mod features;
mod gen;
mod model;
mod names;

use std::path::{Path, PathBuf};

use rsfast::Message as _;

use descriptor::{FileDescriptorProto, FileDescriptorSet};

pub use error::Error;
pub use features::MAXIMUM_EDITION;
pub use gen::GeneratedFile;
pub use names::{WKT_FILES, WKT_PACKAGE};

/// Generation options: the one set that plugin parameters (`--rsfast_out=KEY=VALUE,...:OUT`)
/// and the [`Config`] builder both fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Keep fields the schema does not know and re-emit them on encode (default: true).
    pub unknown_fields: bool,
    /// Generate tonic client and server modules for the services (default: false).
    pub grpc: bool,
    /// Generate serde `Serialize`/`Deserialize` (the canonical JSON mapping) and a
    /// per-package `register_json_types` (default: false).
    pub json: bool,
    /// Generate the text format (`rsfast::text::TextMessage`) and a per-package
    /// `register_text_types` (default: false).
    pub text: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            unknown_fields: true,
            grpc: false,
            json: false,
            text: false,
        }
    }
}

impl Options {
    /// Every option's name and meaning: what `--help` and error messages list.
    pub const KEYS: &'static [(&'static str, &'static str)] = &[
        (
            "unknown_fields",
            "keep unknown fields and re-emit them on encode (default true)",
        ),
        (
            "grpc",
            "generate tonic client and server code for services (default false)",
        ),
        (
            "json",
            "generate serde Serialize/Deserialize for the canonical JSON mapping (default false)",
        ),
        (
            "text",
            "generate the protobuf text format: print and parse (default false)",
        ),
    ];

    /// Parses a plugin parameter string: comma-separated `key=value` or bare `key`
    /// (meaning `key=true`).
    pub fn parse(parameter: &str) -> Result<Self, Error> {
        let mut options = Options::default();
        options.apply(parameter)?;
        Ok(options)
    }

    /// Applies a parameter string on top of these options.
    pub fn apply(&mut self, parameter: &str) -> Result<(), Error> {
        for item in parameter
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (key, value) = item.split_once('=').unwrap_or((item, "true"));
            self.set(key.trim(), value.trim())?;
        }
        Ok(())
    }

    /// Sets one option by name, as written in a plugin parameter.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let flag = || match value {
            "true" | "on" | "yes" => Ok(true),
            "false" | "off" | "no" => Ok(false),
            _ => Err(Error::new(format!(
                "option {key}: expected true or false, got {value:?}"
            ))),
        };
        match key {
            "unknown_fields" => self.unknown_fields = flag()?,
            "grpc" => self.grpc = flag()?,
            "json" => self.json = flag()?,
            "text" => self.text = flag()?,
            _ => {
                let known: Vec<&str> = Self::KEYS.iter().map(|(name, _)| *name).collect();
                return Err(Error::new(format!(
                    "unknown option {key:?} (known: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Generates Rust for `files_to_generate` (names as in the descriptors) out of `files`,
/// which must also hold every imported file. What the plugin and [`Config`] both call.
pub fn generate(
    files: &[FileDescriptorProto],
    files_to_generate: &[String],
    options: &Options,
) -> Result<(Vec<GeneratedFile>, Vec<String>), Error> {
    let model = model::build(files, files_to_generate, options)?;
    let generated = gen::generate(&model)?;
    Ok((generated, model.warnings))
}

/// The build-script API.
#[derive(Debug, Clone, Default)]
pub struct Config {
    options: Options,
    out_dir: Option<PathBuf>,
}

impl Config {
    pub fn new() -> Self {
        Config::default()
    }

    /// Where generated files go (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Keep unknown fields (default) or drop them while decoding.
    pub fn unknown_fields(&mut self, keep: bool) -> &mut Self {
        self.options.unknown_fields = keep;
        self
    }

    /// Generate tonic client and server code for the services (default: off). The code
    /// needs `tonic` and `rsfast` with its `tonic` feature.
    pub fn grpc(&mut self, enable: bool) -> &mut Self {
        self.options.grpc = enable;
        self
    }

    /// Generate serde `Serialize`/`Deserialize` impls (the canonical proto3 JSON
    /// mapping) and `register_json_types` per package (default: off). The code needs
    /// `rsfast` with its `json` feature.
    pub fn json(&mut self, enable: bool) -> &mut Self {
        self.options.json = enable;
        self
    }

    /// Generate the text format (`rsfast::text::TextMessage` per message) and
    /// `register_text_types` per package (default: off). The code needs `rsfast` with
    /// its `text` feature.
    pub fn text(&mut self, enable: bool) -> &mut Self {
        self.options.text = enable;
        self
    }

    /// Applies options written as a plugin parameter (`"unknown_fields=false"`), so a
    /// build script and a protoc invocation can share one string.
    pub fn parameter(&mut self, parameter: &str) -> Result<&mut Self, Error> {
        self.options.apply(parameter)?;
        Ok(self)
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Compiles `protos` (found under `includes`) with protox and writes one `.rs` file per
    /// package. Prints `cargo:rerun-if-changed` lines when run from a build script.
    pub fn compile(
        &self,
        protos: &[impl AsRef<Path>],
        includes: &[impl AsRef<Path>],
    ) -> Result<Vec<PathBuf>, Error> {
        let (files, requested) = self.parse(protos, includes)?;
        if std::env::var_os("CARGO_MANIFEST_DIR").is_some() && std::env::var_os("OUT_DIR").is_some()
        {
            for p in protos {
                println!("cargo:rerun-if-changed={}", p.as_ref().display());
            }
        }
        self.write(&files, &requested)
    }

    /// Generates into memory instead of writing files.
    pub fn generate(
        &self,
        protos: &[impl AsRef<Path>],
        includes: &[impl AsRef<Path>],
    ) -> Result<Vec<GeneratedFile>, Error> {
        let (files, requested) = self.parse(protos, includes)?;
        Ok(generate(&files, &requested, &self.options)?.0)
    }

    fn parse(
        &self,
        protos: &[impl AsRef<Path>],
        includes: &[impl AsRef<Path>],
    ) -> Result<(Vec<FileDescriptorProto>, Vec<String>), Error> {
        let mut compiler = protox::Compiler::new(includes.iter().map(AsRef::as_ref))?;
        compiler.include_source_info(true);
        compiler.open_files(protos.iter().map(AsRef::as_ref))?;
        compiler.include_imports(false);
        let requested = compiler
            .file_descriptor_set()
            .file
            .into_iter()
            .map(|f| f.name().to_owned())
            .collect();
        compiler.include_imports(true);
        // Through bytes, so that custom options (extensions protox keeps) survive.
        let set = FileDescriptorSet::decode(&compiler.encode_file_descriptor_set())
            .map_err(|e| Error::new(format!("protox produced a bad descriptor set: {e}")))?;
        Ok((set.file, requested))
    }

    /// Generates every file of `set` (which must hold all imports of those it names).
    pub fn compile_fds(&self, set: FileDescriptorSet) -> Result<Vec<PathBuf>, Error> {
        let requested: Vec<String> = set.file.iter().map(|f| f.name().to_owned()).collect();
        self.write(&set.file, &requested)
    }

    /// [`Config::compile_fds`] for an encoded `FileDescriptorSet` (as written by
    /// `protoc --descriptor_set_out`, or prost-types' `encode_to_vec()`).
    pub fn compile_fds_bytes(&self, encoded: &[u8]) -> Result<Vec<PathBuf>, Error> {
        let set = FileDescriptorSet::decode(encoded)
            .map_err(|e| Error::new(format!("bad FileDescriptorSet: {e}")))?;
        self.compile_fds(set)
    }

    fn write(
        &self,
        files: &[FileDescriptorProto],
        requested: &[String],
    ) -> Result<Vec<PathBuf>, Error> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::new("no out_dir set and OUT_DIR is not in the environment")
                })?,
        };
        let (generated, warnings) = generate(files, requested, &self.options)?;
        let in_build_script = std::env::var_os("OUT_DIR").is_some();
        for w in warnings {
            if in_build_script {
                println!("cargo:warning=rsfast: {w}");
            } else {
                eprintln!("warning: {w}");
            }
        }
        std::fs::create_dir_all(&out_dir)?;
        let mut written = Vec::new();
        for file in generated {
            let path = out_dir.join(&file.name);
            // Leave unchanged files alone so that cargo does not rebuild needlessly.
            if std::fs::read_to_string(&path).ok().as_deref() != Some(file.content.as_str()) {
                std::fs::write(&path, &file.content)?;
            }
            written.push(path);
        }
        Ok(written)
    }
}
