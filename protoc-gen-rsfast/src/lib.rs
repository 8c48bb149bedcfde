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
mod options;

use std::path::{Path, PathBuf};

use rsfast::Message as _;

use descriptor::{FileDescriptorProto, FileDescriptorSet};

pub use error::Error;
pub use features::MAXIMUM_EDITION;
pub use gen::GeneratedFile;
pub use options::{BytesType, FloatEq, MapType, OptionKey, Options, Scope, StringType};

/// `rsfast/options.proto`, which declares the options a `.proto` file can set: known to
/// [`Config::compile`] without being on the include path.
pub const OPTIONS_PROTO: &str = include_str!("../../proto/rsfast/options.proto");
/// The name `.proto` files import [`OPTIONS_PROTO`] by.
pub const OPTIONS_PROTO_NAME: &str = "rsfast/options.proto";
pub use names::{WKT_FILES, WKT_PACKAGE};

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

/// A preset of options, as gogo/protobuf's generators (`gofast`, `gogofaster`,
/// `gogoslick`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The defaults: unknown fields kept.
    Fast,
    /// Unknown fields dropped.
    Faster,
    /// Faster, plus `eq` and `debug`.
    Slick,
}

/// Resolves `rsfast/options.proto` from the copy built into the generator.
#[derive(Debug)]
struct EmbeddedOptionsProto;

impl protox::file::FileResolver for EmbeddedOptionsProto {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        if name == OPTIONS_PROTO_NAME {
            protox::file::File::from_source(name, OPTIONS_PROTO)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

/// Resolves `google/protobuf/descriptor.proto` (only) from protox's built-in copy.
#[derive(Debug)]
struct ProtoxDescriptorProto(protox::file::GoogleFileResolver);

impl protox::file::FileResolver for ProtoxDescriptorProto {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        if name == "google/protobuf/descriptor.proto" {
            self.0.open_file(name)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

/// The build-script API.
#[derive(Debug, Clone, Default)]
pub struct Config {
    options: Options,
    out_dir: Option<PathBuf>,
    file_descriptor_set_path: Option<PathBuf>,
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

    /// Applies a preset: `fast` (the defaults), `faster` (no unknown fields) or `slick`
    /// (faster, plus eq and debug). Later calls override what it sets.
    ///
    /// ```
    /// let mut config = protoc_gen_rsfast::Config::new();
    /// config.preset(protoc_gen_rsfast::Preset::Slick).debug(false);
    /// assert!(config.options().eq && !config.options().debug);
    /// ```
    pub fn preset(&mut self, preset: Preset) -> &mut Self {
        let name = match preset {
            Preset::Fast => "fast",
            Preset::Faster => "faster",
            Preset::Slick => "slick",
        };
        self.options
            .set("preset", name)
            .expect("every preset is a valid value");
        self
    }

    /// Keep unknown fields (default) or drop them while decoding.
    pub fn unknown_fields(&mut self, keep: bool) -> &mut Self {
        self.options.unknown_fields = keep;
        self
    }

    /// Derive `Eq`, and `Hash`, where the fields allow it (default: off).
    pub fn eq(&mut self, enable: bool) -> &mut Self {
        self.options.eq = enable;
        self
    }

    /// How `eq` treats messages with float fields (default: [`FloatEq::Partial`]).
    pub fn float_eq(&mut self, float_eq: FloatEq) -> &mut Self {
        self.options.float_eq = float_eq;
        self
    }

    /// A readable hand-written `Debug` (default: off, derived `Debug`).
    pub fn debug(&mut self, enable: bool) -> &mut Self {
        self.options.debug = enable;
        self
    }

    /// The Rust type of `bytes` fields (default: [`BytesType::Vec`]).
    pub fn bytes(&mut self, bytes: BytesType) -> &mut Self {
        self.options.bytes = bytes;
        self
    }

    /// The Rust type of `string` fields (default: [`StringType::String`]);
    /// [`StringType::Bytes`] makes them `rsfast::BytesString`, sliced out of the input by
    /// `Message::decode_bytes`.
    pub fn string(&mut self, string: StringType) -> &mut Self {
        self.options.string = string;
        self
    }

    /// The Rust type of `map` fields (default: [`MapType::HashMap`]).
    pub fn map(&mut self, map: MapType) -> &mut Self {
        self.options.map = map;
        self
    }

    /// Puts `attribute` on every message, enum and oneof enum matching `path`: `.` for
    /// all, `.pkg.Msg` for that message and those nested in it, `Msg` for any message
    /// named so.
    ///
    /// ```
    /// let mut config = protoc_gen_rsfast::Config::new();
    /// config.type_attribute(".my.pkg", "#[derive(PartialOrd)]");
    /// ```
    pub fn type_attribute(&mut self, path: &str, attribute: &str) -> &mut Self {
        self.options
            .type_attributes
            .push((path.to_owned(), attribute.to_owned()));
        self
    }

    /// Puts `attribute` on every field matching `path` (`.pkg.Msg.field`).
    pub fn field_attribute(&mut self, path: &str, attribute: &str) -> &mut Self {
        self.options
            .field_attributes
            .push((path.to_owned(), attribute.to_owned()));
        self
    }

    /// Implement `rsfast::populate::Populate` and `arbitrary::Arbitrary` for every
    /// message (the crate needs rsfast's `populate` feature).
    pub fn populate(&mut self, enable: bool) -> &mut Self {
        self.options.populate = enable;
        self
    }

    /// Generate round-trip tests for every message (the crate needs rsfast's `testgen`
    /// feature, in its dev-dependencies is enough).
    pub fn tests(&mut self, enable: bool) -> &mut Self {
        self.options.tests = enable;
        self
    }

    /// Also write `<package>.benches.rs`: criterion benchmarks of every message.
    pub fn benches(&mut self, enable: bool) -> &mut Self {
        self.options.benches = enable;
        self
    }

    /// Generate tonic client and server code for the services (default: off). The code
    /// needs `tonic` and `rsfast` with its `tonic` feature.
    pub fn grpc(&mut self, enable: bool) -> &mut Self {
        self.options.grpc = enable;
        self
    }

    /// Embed each package's encoded `FileDescriptorSet` as `pub const FILE_DESCRIPTOR_SET:
    /// &[u8]` (default: off): what `tonic_reflection`'s
    /// `register_encoded_file_descriptor_set` takes.
    pub fn file_descriptor_set(&mut self, enable: bool) -> &mut Self {
        self.options.file_descriptor_set = enable;
        self
    }

    /// Also write the encoded `FileDescriptorSet` of the compiled files, their imports
    /// included, with source info (comments), to `path` (as prost-build and tonic-build
    /// do); `include_bytes!` it for server reflection.
    pub fn file_descriptor_set_path(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.file_descriptor_set_path = Some(path.into());
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
        // protox's own descriptor.proto first (a newer one on the include path may use
        // syntax protox does not parse), then rsfast/options.proto, the include paths
        // (their well-known types keep their comments), and protox's well-known types.
        let mut resolver = protox::file::ChainFileResolver::new();
        resolver.add(ProtoxDescriptorProto(
            protox::file::GoogleFileResolver::new(),
        ));
        resolver.add(EmbeddedOptionsProto);
        for include in includes {
            resolver.add(protox::file::IncludeFileResolver::new(
                include.as_ref().to_owned(),
            ));
        }
        resolver.add(protox::file::GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
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
        if let Some(path) = &self.file_descriptor_set_path {
            let set = FileDescriptorSet {
                file: files.to_vec(),
                ..Default::default()
            };
            write_if_changed(path, &set.encode_to_vec())?;
        }
        let mut written = Vec::new();
        for file in generated {
            let path = out_dir.join(&file.name);
            write_if_changed(&path, file.content.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Leaves unchanged files alone, so that cargo does not rebuild needlessly.
fn write_if_changed(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content)?;
    }
    Ok(())
}
