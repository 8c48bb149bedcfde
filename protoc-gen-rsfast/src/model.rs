//! Descriptors resolved once into the model the code generators read: Rust names, types,
//! presence, wire encoding, boxing and required-field checks. Nothing under `gen/` looks
//! at a raw descriptor, and nothing downstream asks "is this proto2?": the syntax is
//! turned into per-field facts ([`Presence`], `packed`, `closed`, `delimited`) here.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::descriptor::field_descriptor_proto::{Label, Type};
use crate::descriptor::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
    FileDescriptorSet,
};

use crate::features::{self, Features};
use crate::names;
use crate::options::{BytesType, FloatEq, MapType, Scope, StringType};
use crate::{Error, Options};

/// Field numbers in descriptor.proto, for source-code-info paths.
mod path {
    pub const FILE_MESSAGE_TYPE: i32 = 4;
    pub const FILE_ENUM_TYPE: i32 = 5;
    pub const FILE_SERVICE: i32 = 6;
    pub const FILE_EXTENSION: i32 = 7;
    pub const MESSAGE_FIELD: i32 = 2;
    pub const MESSAGE_NESTED_TYPE: i32 = 3;
    pub const MESSAGE_ENUM_TYPE: i32 = 4;
    pub const MESSAGE_EXTENSION: i32 = 6;
    pub const MESSAGE_ONEOF_DECL: i32 = 8;
    pub const ENUM_VALUE: i32 = 2;
    pub const SERVICE_METHOD: i32 = 2;
}

/// Everything to generate: one entry per proto package, in name order.
#[derive(Debug)]
pub struct Model {
    pub packages: Vec<Package>,
    /// Things the generator skipped on purpose (e.g. extensions), for the user to see.
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct Package {
    /// The proto package, e.g. `grpc.examples.echo`.
    pub name: String,
    /// Its Rust module path from the root that mirrors the packages.
    pub module: Vec<String>,
    /// The .proto files it comes from.
    pub files: Vec<String>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    pub extensions: Vec<Extension>,
    /// The services to generate gRPC code for: all of the package's with the `grpc`
    /// option, none without it.
    pub services: Vec<Service>,
    /// With the `file_descriptor_set` option: the encoded `FileDescriptorSet` of the
    /// package's files and everything they import, imports first.
    pub file_descriptor_set: Option<Vec<u8>>,
    /// Write a benchmark file for its messages (the `benches` option of any of its files).
    pub benches: bool,
    /// Generate `register_json_types`: the `json` option.
    pub json: bool,
    /// Generate `register_text_types`: the `text` option.
    pub text: TextImpls,
}

/// Whether text format impls are generated: by the `text` option, or, for the runtime's
/// own well-known types, behind the runtime's `text` feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextImpls {
    No,
    Yes,
    FeatureGated,
}

/// A gRPC service, generated (with the `grpc` option) as tonic client and server modules
/// in its package's module.
#[derive(Debug)]
pub struct Service {
    /// The name as declared (`Echo`): the route's service part.
    pub proto_name: String,
    /// UpperCamel (`Echo`): the server trait; tonic derives `EchoClient`, `EchoServer`
    /// and the modules `echo_client`, `echo_server` from it.
    pub rust_name: String,
    /// The proto package (`grpc.examples.echo`).
    pub package: String,
    /// `package.Service`, as routes and reflection name it.
    pub full_name: String,
    /// The package's module, which holds the client and server modules.
    pub module: Vec<String>,
    pub doc: Vec<String>,
    pub methods: Vec<Method>,
}

#[derive(Debug)]
pub struct Method {
    /// The name as declared (`UnaryEcho`): the route's method part.
    pub proto_name: String,
    /// snake_case, keywords escaped (`unary_echo`): the Rust method.
    pub rust_name: String,
    pub input: TypePath,
    pub output: TypePath,
    pub client_streaming: bool,
    pub server_streaming: bool,
    pub deprecated: bool,
    pub doc: Vec<String>,
}

/// A proto2 extension, generated as an `rsfast::Extension` constant.
#[derive(Debug)]
pub struct Extension {
    /// The constant's name (SHOUTY_SNAKE_CASE of the proto name).
    pub const_name: String,
    pub full_name: String,
    pub number: u32,
    /// The module the constant is generated in.
    pub module: Vec<String>,
    pub extendee: TypePath,
    pub doc: Vec<String>,
    pub kind: Kind,
    /// `None` for a singular extension, `Some(packed)` for a repeated one.
    pub repeated: Option<bool>,
}

#[derive(Debug)]
pub struct Message {
    /// Full proto name without the leading dot, used in error paths.
    pub full_name: String,
    pub rust_name: String,
    /// The module the struct lives in.
    pub module: Vec<String>,
    /// The module holding its nested types and oneof enums.
    pub child_module: String,
    pub doc: Vec<String>,
    /// Fields outside real oneofs, in declaration order.
    pub fields: Vec<Field>,
    pub oneofs: Vec<Oneof>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
    /// Extensions declared inside it (generated in its child module).
    pub extensions: Vec<Extension>,
    /// It, or a message it contains, has a required field.
    pub needs_init_check: bool,
    /// It keeps unknown fields: by option, or because it has extension ranges (its
    /// extensions live there).
    pub unknown_fields: bool,
    /// It has extension ranges: it implements `rsfast::Extendable`.
    pub extendable: bool,
    /// Generate its serde (JSON) impls: the `json` option.
    pub json: bool,
    /// Generate its text format impls.
    pub text: TextImpls,
    /// Reserved field names: the text format skips them.
    pub reserved_names: Vec<String>,
    /// Which equality traits it implements, and how.
    pub eq: MessageEq,
    /// A hand-written readable `Debug` instead of the derived one.
    pub debug: bool,
    /// Extra attributes on the struct (`type_attribute` and `(rsfast.message).attribute`).
    pub attributes: Vec<String>,
    /// Whether `rsfast::populate::Populate` and `arbitrary::Arbitrary` are implemented.
    pub populate: Populate,
    /// Generated round-trip tests cover it.
    pub tests: bool,
}

/// The equality traits of a message and its oneof enums. `PartialEq` is always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageEq {
    /// `Eq`: the `eq` option, and every field's type is `Eq` (floats only bitwise).
    pub eq: bool,
    /// `Hash`: `eq`, and no `HashMap` field nor a message field without `Hash`.
    pub hash: bool,
    /// `PartialEq` (and `Hash`) are written out, comparing floats by bit pattern.
    pub bitwise: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Populate {
    Off,
    /// Only under `#[cfg(test)]`, for the generated tests (`tests` without `populate`).
    TestOnly,
    On,
}

#[derive(Debug)]
pub struct Oneof {
    /// The struct field holding it.
    pub rust_field: String,
    /// The enum type in the message's child module.
    pub rust_enum: String,
    pub doc: Vec<String>,
    /// Members; each field's `variant` names its enum variant.
    pub fields: Vec<Field>,
    /// Extra attributes on the enum (`type_attribute` matching `pkg.Msg.oneof`).
    pub attributes: Vec<String>,
}

/// The Rust types chosen for string and bytes values (options `string` and `bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueTypes {
    pub bytes: BytesType,
    pub string: StringType,
}

impl ValueTypes {
    /// `String` and `Vec<u8>`: what extensions and the well-known types use.
    pub const OWNED: ValueTypes = ValueTypes {
        bytes: BytesType::Vec,
        string: StringType::String,
    };
}

#[derive(Debug)]
pub struct Field {
    pub proto_name: String,
    /// The JSON name: the descriptor's `json_name`, or protoc's lowerCamel of the name.
    pub json_name: String,
    /// The text format name: the group's type name for group-like delimited fields,
    /// else the .proto name.
    pub text_name: String,
    pub rust_name: String,
    /// Variant name when the field is a oneof member.
    pub variant: String,
    pub number: u32,
    pub doc: Vec<String>,
    pub kind: Kind,
    pub cardinality: Cardinality,
    /// The explicit `[default = ...]`, for explicit-presence fields.
    pub default: Option<DefaultValue>,
    /// The Rust types of its string and bytes values (the field's, a map's key and
    /// value or a oneof member's).
    pub types: ValueTypes,
    /// The Rust type of a map field.
    pub map: MapType,
    /// Extra attributes (`field_attribute` and `(rsfast.field).attribute`).
    pub attributes: Vec<String>,
}

// Built once per field per run: boxing the map's kinds would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Cardinality {
    Singular(Presence),
    Repeated { packed: bool },
    Map { key: Kind, value: Kind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Not on the wire when equal to the default (proto3 scalars).
    Implicit,
    /// `Option<T>`: proto2 optional, proto3 `optional`, messages, oneof members.
    Explicit,
    /// proto2 `required`: `Option<T>`, checked after decoding.
    Required,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar(Scalar),
    String,
    Bytes,
    Enum(EnumRef),
    Message(MessageRef),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    Float,
    Double,
}

#[derive(Debug, Clone)]
pub struct TypePath {
    pub module: Vec<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct EnumRef {
    pub path: TypePath,
    /// Full proto name without the leading dot.
    pub full_name: String,
    /// Undeclared values go to unknown fields (proto2 enums) instead of being kept.
    pub closed: bool,
    /// The variants of its declared values (aliases dropped), for populate.
    pub variants: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct MessageRef {
    pub path: TypePath,
    /// Full proto name without the leading dot.
    pub full_name: String,
    /// Group encoding (start/end tags) instead of a length prefix.
    pub delimited: bool,
    /// Held in a `Box` because it (transitively) contains the message holding it.
    pub boxed: bool,
    pub needs_init_check: bool,
    /// Its known fields encode to at most 127 bytes (a point, a timestamp): it takes a
    /// one-byte length prefix unless unknown fields make it longer.
    pub small: bool,
}

#[derive(Debug, Clone)]
pub enum DefaultValue {
    Bool(bool),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    String(String),
    Bytes(Vec<u8>),
    /// An enum value: its variant name and number.
    Enum(String, i32),
}

#[derive(Debug)]
pub struct Enum {
    pub rust_name: String,
    /// Generate its JSON name lookup: the `json` option.
    pub json: bool,
    /// Generate its text format name lookup.
    pub text: TextImpls,
    pub doc: Vec<String>,
    /// Declared values, aliases dropped (first name of each number wins).
    pub values: Vec<EnumValue>,
    /// Extra attributes (`type_attribute`).
    pub attributes: Vec<String>,
    /// Every declared name with its number, aliases included (JSON accepts them all).
    pub all_names: Vec<(String, i32)>,
}

#[derive(Debug)]
pub struct EnumValue {
    pub proto_name: String,
    pub variant: String,
    pub number: i32,
    pub doc: Vec<String>,
}

impl Scalar {
    fn of(ty: Type) -> Option<Scalar> {
        Some(match ty {
            Type::Int32 => Scalar::Int32,
            Type::Int64 => Scalar::Int64,
            Type::Uint32 => Scalar::Uint32,
            Type::Uint64 => Scalar::Uint64,
            Type::Sint32 => Scalar::Sint32,
            Type::Sint64 => Scalar::Sint64,
            Type::Fixed32 => Scalar::Fixed32,
            Type::Fixed64 => Scalar::Fixed64,
            Type::Sfixed32 => Scalar::Sfixed32,
            Type::Sfixed64 => Scalar::Sfixed64,
            Type::Bool => Scalar::Bool,
            Type::Float => Scalar::Float,
            Type::Double => Scalar::Double,
            _ => return None,
        })
    }
}

impl Kind {
    /// Scalars and enums can be packed; strings, bytes and messages cannot.
    pub fn is_packable(&self) -> bool {
        matches!(self, Kind::Scalar(_) | Kind::Enum(_))
    }
}

enum TypeInfo<'a> {
    Message {
        path: TypePath,
        descriptor: &'a DescriptorProto,
    },
    Enum {
        path: TypePath,
        descriptor: &'a EnumDescriptorProto,
        closed: bool,
    },
}

/// Builds the model for `to_generate` out of `files` (which must include every import).
pub fn build(
    files: &[FileDescriptorProto],
    to_generate: &[String],
    options: &Options,
) -> Result<Model, Error> {
    // The well-known types come from `rsfast::wkt` unless they are what is generated.
    let wkt_from_runtime = !to_generate.iter().any(|name| {
        files
            .iter()
            .any(|f| f.name() == name && f.package() == names::WKT_PACKAGE)
    });
    let text = if options.text {
        TextImpls::Yes
    } else if !wkt_from_runtime {
        TextImpls::FeatureGated
    } else {
        TextImpls::No
    };
    let resolver = Resolver::new(files, options, wkt_from_runtime, text)?;
    let mut by_package: BTreeMap<&str, Vec<&FileDescriptorProto>> = BTreeMap::new();
    for name in to_generate {
        let file = files
            .iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::new(format!("{name}: not in the descriptor set")))?;
        by_package.entry(file.package()).or_default().push(file);
    }
    let by_name: HashMap<&str, &FileDescriptorProto> =
        files.iter().map(|f| (f.name(), f)).collect();
    let warnings = std::cell::RefCell::new(Vec::new());
    let mut packages = Vec::new();
    for (name, files) in by_package {
        let module = package_module(name);
        let mut package = Package {
            name: name.to_owned(),
            module: module.clone(),
            files: files.iter().map(|f| f.name().to_owned()).collect(),
            messages: Vec::new(),
            enums: Vec::new(),
            extensions: Vec::new(),
            services: Vec::new(),
            file_descriptor_set: if options.file_descriptor_set {
                Some(descriptor_set_with_imports(&by_name, &files)?)
            } else {
                None
            },
            benches: false,
            json: options.json,
            text: files
                .iter()
                .map(|f| text_impls(text, f.name()))
                .max_by_key(|t| *t != TextImpls::No)
                .unwrap_or(TextImpls::No),
        };
        for file in files {
            let comments = Comments::of(file);
            let features = file_features(file)?;
            let file_options = &resolver.file_options[file.name()];
            package.benches |= file_options.benches;
            let cx = Context {
                file,
                comments: &comments,
                warnings: &warnings,
            };
            package.extensions.extend(resolver.extensions(
                &cx,
                &file.extension,
                file.package(),
                &module,
                &[path::FILE_EXTENSION],
                features,
                file_options,
            )?);
            for (i, m) in file.message_type.iter().enumerate() {
                let cx = Context {
                    file,
                    comments: &comments,
                    warnings: &warnings,
                };
                let prefix = qualify(file.package(), m.name());
                let path = vec![path::FILE_MESSAGE_TYPE, i as i32];
                if let Some(msg) = resolver.message(&cx, m, &prefix, &module, &path, features)? {
                    package.messages.push(msg);
                }
            }
            for (i, e) in file.enum_type.iter().enumerate() {
                let path = vec![path::FILE_ENUM_TYPE, i as i32];
                let full_name = qualify(file.package(), e.name());
                let attributes = Options::matching(&file_options.type_attributes, &full_name)
                    .map(str::to_owned)
                    .collect();
                package.enums.push(enum_model(
                    e,
                    &comments,
                    &path,
                    attributes,
                    options.json,
                    text_impls(text, file.name()),
                ));
            }
            if file_options.grpc {
                package
                    .services
                    .extend(resolver.services(file, &comments, &module)?);
            }
        }
        packages.push(package);
    }
    Ok(Model {
        packages,
        warnings: warnings.into_inner(),
    })
}

/// The encoded `FileDescriptorSet` of `roots` and their transitive imports, each file once
/// and after its imports (the order protoc writes with `--include_imports`), so that a
/// reader such as a reflection service can resolve every type it names.
fn descriptor_set_with_imports(
    by_name: &HashMap<&str, &FileDescriptorProto>,
    roots: &[&FileDescriptorProto],
) -> Result<Vec<u8>, Error> {
    use rsfast::Message as _;

    fn visit<'a>(
        file: &'a FileDescriptorProto,
        by_name: &HashMap<&str, &'a FileDescriptorProto>,
        seen: &mut HashSet<&'a str>,
        ordered: &mut Vec<FileDescriptorProto>,
    ) -> Result<(), Error> {
        if !seen.insert(file.name()) {
            return Ok(());
        }
        for import in &file.dependency {
            let imported = by_name.get(import.as_str()).ok_or_else(|| {
                Error::new(format!(
                    "{}: import {import:?} is not in the descriptor set",
                    file.name()
                ))
            })?;
            visit(imported, by_name, seen, ordered)?;
        }
        ordered.push(file.clone());
        Ok(())
    }

    let mut seen = HashSet::new();
    let mut ordered = Vec::new();
    for root in roots {
        visit(root, by_name, &mut seen, &mut ordered)?;
    }
    Ok(FileDescriptorSet {
        file: ordered,
        ..Default::default()
    }
    .encode_to_vec())
}

/// The text impls of `file`'s types: feature-gated ones only for the runtime's own
/// well-known types (not, say, the descriptor types in the same package).
fn text_impls(text: TextImpls, file: &str) -> TextImpls {
    match text {
        TextImpls::FeatureGated if !names::is_wkt_file(file) => TextImpls::No,
        other => other,
    }
}

fn qualify(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn package_module(package: &str) -> Vec<String> {
    if package.is_empty() {
        Vec::new()
    } else {
        package.split('.').map(names::snake).collect()
    }
}

struct Context<'a> {
    file: &'a FileDescriptorProto,
    comments: &'a Comments,
    /// What was skipped on purpose, for the user to see.
    warnings: &'a std::cell::RefCell<Vec<String>>,
}

/// A file's features: its syntax or edition defaults with its `features` option applied.
fn file_features(file: &FileDescriptorProto) -> Result<Features, Error> {
    Ok(
        Features::file_defaults(file)?
            .with(file.options.as_ref().and_then(|o| o.features.as_ref())),
    )
}

/// The `(rsfast.file)`, `(rsfast.message)` or `(rsfast.field)` options in `options`
/// (a descriptor's options message), if set.
fn proto_options<M: rsfast::Extendable>(
    options: Option<&M>,
    extension: &rsfast::Extension<
        M,
        rsfast::extension::OptionalLen<rsfast::extension::Msg<crate::descriptor::rsfast::Options>>,
    >,
    file: &str,
) -> Result<Option<crate::descriptor::rsfast::Options>, Error> {
    match options {
        Some(o) => o
            .extension(extension)
            .map_err(|e| Error::in_file(file, format!("bad {}: {e}", extension.name()))),
        None => Ok(None),
    }
}

struct Resolver<'a> {
    /// Options resolved per file (parameters, then the file's `(rsfast.file)`), by name.
    file_options: HashMap<String, Options>,
    /// Options resolved per message (its file's, then each enclosing message's
    /// `(rsfast.message)`, then its own), keyed by full name with a leading dot.
    message_options: HashMap<String, Options>,
    /// Equality traits per message, keyed like `message_options`.
    eq: HashMap<String, MessageEq>,
    /// The `json` option (a parameter: every message of a build has serde impls or none).
    json: bool,
    text: TextImpls,
    /// Keyed by full name with a leading dot, as descriptors refer to types.
    types: HashMap<String, TypeInfo<'a>>,
    /// Message full name → message types held without indirection (singular fields and
    /// oneof members): the edges along which a cycle makes a type infinitely large.
    inline_edges: HashMap<String, Vec<String>>,
    needs_init_check: HashSet<String>,
}

impl<'a> Resolver<'a> {
    fn new(
        files: &'a [FileDescriptorProto],
        options: &Options,
        wkt_from_runtime: bool,
        text: TextImpls,
    ) -> Result<Self, Error> {
        let mut r = Resolver {
            file_options: HashMap::new(),
            message_options: HashMap::new(),
            eq: HashMap::new(),
            json: options.json,
            text,
            types: HashMap::new(),
            inline_edges: HashMap::new(),
            needs_init_check: HashSet::new(),
        };
        for file in files {
            let features = file_features(file)?;
            let module = if wkt_from_runtime && names::is_wkt_file(file.name()) {
                names::wkt_module()
            } else {
                package_module(file.package())
            };
            let prefix = if file.package().is_empty() {
                String::new()
            } else {
                format!(".{}", file.package())
            };
            let file_options = options
                .with_proto(
                    proto_options(
                        file.options.as_ref(),
                        &crate::descriptor::rsfast::FILE,
                        file.name(),
                    )?
                    .as_ref(),
                    Scope::File,
                )
                .map_err(|e| Error::in_file(file.name(), format!("file options: {e}")))?;
            for m in &file.message_type {
                r.index_message(file.name(), m, &prefix, &module, features, &file_options)?;
            }
            for e in &file.enum_type {
                r.index_enum(e, &prefix, &module, features);
            }
            r.file_options.insert(file.name().to_owned(), file_options);
        }
        r.compute_init_checks();
        r.compute_eq();
        Ok(r)
    }

    /// The options of field `f` of a message (or extension scope) with `scope` options.
    fn field_options(
        &self,
        file: &str,
        f: &FieldDescriptorProto,
        scope: &Options,
    ) -> Result<(Options, Option<crate::descriptor::rsfast::Options>), Error> {
        let proto = proto_options(f.options.as_ref(), &crate::descriptor::rsfast::FIELD, file)?;
        let options = scope
            .with_proto(proto.as_ref(), Scope::Field)
            .map_err(|e| Error::in_file(file, format!("field {}: {e}", f.name())))?;
        Ok((options, proto))
    }

    /// Equality per message, to a fixpoint: `Eq` needs every field's type to be `Eq`,
    /// `Hash` every field's type to be `Hash`; a message field counts as its type does.
    fn compute_eq(&mut self) {
        let mut eq: HashMap<String, MessageEq> = HashMap::new();
        for (name, info) in &self.types {
            let TypeInfo::Message { descriptor, .. } = info else {
                continue;
            };
            let Some(options) = self.message_options.get(name) else {
                continue;
            };
            // Bad field options are reported when the field is generated: fall back
            // to the message's here.
            let file = "";
            let mut has_float = false;
            let mut has_hash_map = false;
            for f in &descriptor.field {
                let value = self.map_value(f).unwrap_or(f);
                has_float |= matches!(value.r#type(), Type::Float | Type::Double);
                let map = self
                    .field_options(file, f, options)
                    .map(|(o, _)| o.map)
                    .unwrap_or(options.map);
                has_hash_map |= self.map_value(f).is_some() && map == MapType::HashMap;
            }
            let bitwise = options.eq && has_float && options.float_eq == FloatEq::Bitwise;
            let derives_eq = options.eq && (!has_float || bitwise);
            eq.insert(
                name.clone(),
                MessageEq {
                    eq: derives_eq,
                    hash: derives_eq && !has_hash_map,
                    bitwise,
                },
            );
        }
        // Take away Eq and Hash from messages holding a message without them.
        let mut changed = true;
        while changed {
            changed = false;
            for (name, info) in &self.types {
                let TypeInfo::Message { descriptor, .. } = info else {
                    continue;
                };
                let Some(current) = eq.get(name).copied() else {
                    continue;
                };
                let mut next = current;
                for f in &descriptor.field {
                    let value = self.map_value(f).unwrap_or(f);
                    if !is_message_type(value) {
                        continue;
                    }
                    let held = eq.get(value.type_name()).copied().unwrap_or(MessageEq {
                        eq: false,
                        hash: false,
                        bitwise: false,
                    });
                    next.eq &= held.eq;
                    next.hash &= held.hash && next.eq;
                }
                if next != current {
                    eq.insert(name.clone(), next);
                    changed = true;
                }
            }
        }
        self.eq = eq;
    }

    /// The value field of map field `f`'s entry, if `f` is a map.
    fn map_value(&self, f: &'a FieldDescriptorProto) -> Option<&'a FieldDescriptorProto> {
        if f.label() != Label::Repeated || f.r#type() != Type::Message {
            return None;
        }
        match self.types.get(f.type_name())? {
            TypeInfo::Message { descriptor, .. }
                if descriptor.options.as_ref().is_some_and(|o| o.map_entry()) =>
            {
                descriptor.field.iter().find(|e| e.number() == 2)
            }
            _ => None,
        }
    }

    fn index_message(
        &mut self,
        file: &str,
        m: &'a DescriptorProto,
        prefix: &str,
        module: &[String],
        parent: Features,
        parent_options: &Options,
    ) -> Result<(), Error> {
        let features = parent.with(m.options.as_ref().and_then(|o| o.features.as_ref()));
        let full = format!("{prefix}.{}", m.name());
        let options = parent_options
            .with_proto(
                proto_options(
                    m.options.as_ref(),
                    &crate::descriptor::rsfast::MESSAGE,
                    file,
                )?
                .as_ref(),
                Scope::Message,
            )
            .map_err(|e| Error::in_file(file, format!("message {}: {e}", &full[1..])))?;
        let has_required = m.field.iter().any(|f| {
            f.label() == Label::Required
                || features
                    .with(f.options.as_ref().and_then(|o| o.features.as_ref()))
                    .presence
                    == features::Presence::LegacyRequired
        });
        if has_required {
            self.needs_init_check.insert(full.clone());
        }
        let edges = m
            .field
            .iter()
            .filter(|f| f.label() != Label::Repeated && is_message_type(f))
            .map(|f| f.type_name().to_owned())
            .collect();
        self.inline_edges.insert(full.clone(), edges);
        let path = TypePath {
            module: module.to_vec(),
            name: names::upper_camel(m.name()),
        };
        let mut child = module.to_vec();
        child.push(names::snake(m.name()));
        for nested in &m.nested_type {
            self.index_message(file, nested, &full, &child, features, &options)?;
        }
        for e in &m.enum_type {
            self.index_enum(e, &full, &child, features);
        }
        self.message_options.insert(full.clone(), options);
        self.types.insert(
            full,
            TypeInfo::Message {
                path,
                descriptor: m,
            },
        );
        Ok(())
    }

    fn index_enum(
        &mut self,
        e: &'a EnumDescriptorProto,
        prefix: &str,
        module: &[String],
        parent: Features,
    ) {
        let features = parent.with(e.options.as_ref().and_then(|o| o.features.as_ref()));
        let path = TypePath {
            module: module.to_vec(),
            name: names::upper_camel(e.name()),
        };
        self.types.insert(
            format!("{prefix}.{}", e.name()),
            TypeInfo::Enum {
                path,
                descriptor: e,
                closed: features.closed_enums,
            },
        );
    }

    /// Fixpoint: a message needs an initialization check if it has a required field
    /// (seeded while indexing) or holds (in any way) a message that does.
    fn compute_init_checks(&mut self) {
        let mut changed = true;
        while changed {
            changed = false;
            for (name, info) in &self.types {
                let TypeInfo::Message { descriptor, .. } = info else {
                    continue;
                };
                if self.needs_init_check.contains(name) {
                    continue;
                }
                let needs = descriptor
                    .field
                    .iter()
                    .any(|f| is_message_type(f) && self.needs_init_check.contains(f.type_name()));
                if needs {
                    self.needs_init_check.insert(name.clone());
                    changed = true;
                }
            }
        }
    }

    /// The most bytes the known fields of message `name` can encode to, or `None` when
    /// unbounded (a string, a repeated field, a type on `path`, i.e. recursive). Every
    /// field counts, oneof members included, so it may overestimate.
    fn max_known_len<'n>(&'n self, name: &'n str, path: &mut Vec<&'n str>) -> Option<usize> {
        let Some(TypeInfo::Message { descriptor, .. }) = self.types.get(name) else {
            return None;
        };
        if path.contains(&name) {
            return None;
        }
        path.push(name);
        let mut total = 0usize;
        for f in &descriptor.field {
            if f.label() == Label::Repeated {
                path.pop();
                return None;
            }
            let tag = varint_len(u64::from(f.number() as u32) << 3);
            let value = match f.r#type() {
                Type::String | Type::Bytes => None,
                Type::Bool => Some(1),
                Type::Fixed32 | Type::Sfixed32 | Type::Float => Some(4),
                Type::Fixed64 | Type::Sfixed64 | Type::Double => Some(8),
                Type::Uint32 | Type::Sint32 => Some(5),
                Type::Int32 | Type::Int64 | Type::Uint64 | Type::Sint64 | Type::Enum => Some(10),
                // The end-group tag is as long as the start tag.
                Type::Group => self.max_known_len(f.type_name(), path).map(|n| n + tag),
                Type::Message => self
                    .max_known_len(f.type_name(), path)
                    .map(|n| n + varint_len(n as u64)),
            };
            let Some(value) = value else {
                path.pop();
                return None;
            };
            total += tag + value;
        }
        path.pop();
        Some(total)
    }

    /// Whether `from` reaches `to` through inline (unboxed) message fields.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if seen.insert(name) {
                if let Some(edges) = self.inline_edges.get(name) {
                    stack.extend(edges.iter().map(String::as_str));
                }
            }
        }
        false
    }

    fn lookup(&self, type_name: &str, file: &str) -> Result<&TypeInfo<'a>, Error> {
        self.types
            .get(type_name)
            .ok_or_else(|| Error::in_file(file, format!("unknown type {type_name}")))
    }

    /// The services of `file`, whose package's module is `module`.
    fn services(
        &self,
        file: &FileDescriptorProto,
        comments: &Comments,
        module: &[String],
    ) -> Result<Vec<Service>, Error> {
        let message = |type_name: &str, method: &str| match self.lookup(type_name, file.name())? {
            TypeInfo::Message { path, .. } => Ok(path.clone()),
            TypeInfo::Enum { .. } => Err(Error::in_file(
                file.name(),
                format!("method {method}: {type_name} is not a message"),
            )),
        };
        let mut services = Vec::new();
        for (i, s) in file.service.iter().enumerate() {
            let service_path = [path::FILE_SERVICE, i as i32];
            let full_name = qualify(file.package(), s.name());
            let mut methods = Vec::new();
            for (j, m) in s.method.iter().enumerate() {
                let method_name = format!("{full_name}.{}", m.name());
                methods.push(Method {
                    proto_name: m.name().to_owned(),
                    rust_name: names::snake(m.name()),
                    input: message(m.input_type(), &method_name)?,
                    output: message(m.output_type(), &method_name)?,
                    client_streaming: m.client_streaming(),
                    server_streaming: m.server_streaming(),
                    deprecated: m.options.as_ref().is_some_and(|o| o.deprecated()),
                    doc: comments.doc(&[
                        service_path[0],
                        service_path[1],
                        path::SERVICE_METHOD,
                        j as i32,
                    ]),
                });
            }
            services.push(Service {
                proto_name: s.name().to_owned(),
                rust_name: names::upper_camel(s.name()),
                package: file.package().to_owned(),
                full_name,
                module: module.to_vec(),
                doc: comments.doc(&service_path),
                methods,
            });
        }
        Ok(services)
    }

    /// The model of message `m` (full proto name `full`, struct in `module`), or `None`
    /// for map entries, which become `HashMap`s instead of types.
    fn message(
        &self,
        cx: &Context<'_>,
        m: &DescriptorProto,
        full: &str,
        module: &[String],
        path: &[i32],
        parent: Features,
    ) -> Result<Option<Message>, Error> {
        if m.options.as_ref().is_some_and(|o| o.map_entry()) {
            return Ok(None);
        }
        let features = parent.with(m.options.as_ref().and_then(|o| o.features.as_ref()));
        let child_module = names::snake(m.name());
        let mut child = module.to_vec();
        child.push(child_module.clone());
        let dotted = format!(".{full}");
        let options = self
            .message_options
            .get(&dotted)
            .ok_or_else(|| Error::in_file(cx.file.name(), format!("{full} was not indexed")))?;

        let mut fields = Vec::new();
        let mut oneofs: Vec<Oneof> = Vec::new();
        // Real oneofs (not proto3 `optional`'s synthetic ones) get an enum each.
        let mut oneof_slot: HashMap<i32, usize> = HashMap::new();
        for (i, decl) in m.oneof_decl.iter().enumerate() {
            let synthetic = m
                .field
                .iter()
                .any(|f| f.oneof_index == Some(i as i32) && f.proto3_optional());
            if !synthetic {
                oneof_slot.insert(i as i32, oneofs.len());
                let mut p = path.to_vec();
                p.extend([path::MESSAGE_ONEOF_DECL, i as i32]);
                let oneof_name = format!("{full}.{}", decl.name());
                oneofs.push(Oneof {
                    rust_field: names::field(decl.name()),
                    rust_enum: names::upper_camel(decl.name()),
                    doc: cx.comments.doc(&p),
                    fields: Vec::new(),
                    attributes: Options::matching(&options.type_attributes, &oneof_name)
                        .map(str::to_owned)
                        .collect(),
                });
            }
        }
        for (i, f) in m.field.iter().enumerate() {
            let mut p = path.to_vec();
            p.extend([path::MESSAGE_FIELD, i as i32]);
            // Oneof members inherit the oneof's features.
            let scope = match f.oneof_index.and_then(|i| m.oneof_decl.get(i as usize)) {
                Some(decl) => {
                    features.with(decl.options.as_ref().and_then(|o| o.features.as_ref()))
                }
                None => features,
            };
            let field = self.field(cx, &dotted, f, &p, scope, options)?;
            match f.oneof_index.and_then(|o| oneof_slot.get(&o)) {
                Some(&slot) => oneofs[slot].fields.push(field),
                None => fields.push(field),
            }
        }

        let mut messages = Vec::new();
        for (i, nested) in m.nested_type.iter().enumerate() {
            let mut p = path.to_vec();
            p.extend([path::MESSAGE_NESTED_TYPE, i as i32]);
            let nested_full = format!("{full}.{}", nested.name());
            if let Some(msg) = self.message(cx, nested, &nested_full, &child, &p, features)? {
                messages.push(msg);
            }
        }
        let enums = m
            .enum_type
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut p = path.to_vec();
                p.extend([path::MESSAGE_ENUM_TYPE, i as i32]);
                let enum_name = format!("{full}.{}", e.name());
                let attributes = Options::matching(&options.type_attributes, &enum_name)
                    .map(str::to_owned)
                    .collect();
                enum_model(
                    e,
                    cx.comments,
                    &p,
                    attributes,
                    self.json,
                    text_impls(self.text, cx.file.name()),
                )
            })
            .collect();

        let mut extension_path = path.to_vec();
        extension_path.push(path::MESSAGE_EXTENSION);
        let extensions = self.extensions(
            cx,
            &m.extension,
            full,
            &child,
            &extension_path,
            features,
            options,
        )?;
        let extendable = !m.extension_range.is_empty();
        let mut attributes: Vec<String> = Options::matching(&options.type_attributes, full)
            .map(str::to_owned)
            .collect();
        if let Some(proto) = proto_options(
            m.options.as_ref(),
            &crate::descriptor::rsfast::MESSAGE,
            cx.file.name(),
        )? {
            attributes.extend(proto.attribute);
        }
        Ok(Some(Message {
            full_name: full.to_owned(),
            extensions,
            unknown_fields: options.unknown_fields || extendable,
            extendable,
            eq: self.eq[&dotted],
            debug: options.debug,
            attributes,
            // The benchmarks populate their instances outside tests.
            populate: if options.populate || options.benches {
                Populate::On
            } else if options.tests {
                Populate::TestOnly
            } else {
                Populate::Off
            },
            tests: options.tests,
            json: self.json,
            text: text_impls(self.text, cx.file.name()),
            reserved_names: m.reserved_name.clone(),
            rust_name: names::upper_camel(m.name()),
            module: module.to_vec(),
            child_module,
            doc: cx.comments.doc(path),
            fields,
            oneofs,
            messages,
            enums,
            needs_init_check: self.needs_init_check.contains(&dotted),
        }))
    }

    /// The extensions declared in one scope (a file or a message), generated in `module`,
    /// with the scope's features and options.
    #[allow(clippy::too_many_arguments)]
    fn extensions(
        &self,
        cx: &Context<'_>,
        declared: &[FieldDescriptorProto],
        scope: &str,
        module: &[String],
        path: &[i32],
        features: Features,
        options: &Options,
    ) -> Result<Vec<Extension>, Error> {
        let file = cx.file.name();
        let mut out = Vec::new();
        for (i, f) in declared.iter().enumerate() {
            let TypeInfo::Message {
                path: extendee,
                descriptor,
            } = self.lookup(f.extendee(), file)?
            else {
                return Err(Error::in_file(
                    file,
                    format!("{} extends a non-message", f.name()),
                ));
            };
            let full_name = qualify(scope, f.name());
            if descriptor
                .options
                .as_ref()
                .is_some_and(|o| o.message_set_wire_format())
            {
                cx.warnings.borrow_mut().push(format!(
                    "{file}: {full_name} extends a MessageSet; typed access is not generated (its value stays in the unknown fields)"
                ));
                continue;
            }
            let mut p = path.to_vec();
            p.push(i as i32);
            let field = self.field(cx, f.extendee(), f, &p, features, options)?;
            let repeated = match field.cardinality {
                Cardinality::Repeated { packed } => Some(packed),
                _ => None,
            };
            out.push(Extension {
                const_name: names::constant(f.name()),
                full_name,
                number: field.number,
                module: module.to_vec(),
                extendee: TypePath {
                    module: extendee.module.clone(),
                    name: extendee.name.clone(),
                },
                doc: field.doc,
                kind: field.kind,
                repeated,
            });
        }
        Ok(out)
    }

    fn field(
        &self,
        cx: &Context<'_>,
        parent: &str,
        f: &FieldDescriptorProto,
        path: &[i32],
        scope: Features,
        scope_options: &Options,
    ) -> Result<Field, Error> {
        let file = cx.file.name();
        let (options, proto) = self.field_options(file, f, scope_options)?;
        let full_name = format!("{}.{}", parent.trim_start_matches('.'), f.name());
        let mut attributes: Vec<String> = Options::matching(&options.field_attributes, &full_name)
            .map(str::to_owned)
            .collect();
        attributes.extend(proto.map(|p| p.attribute).unwrap_or_default());
        let features = scope.with(f.options.as_ref().and_then(|o| o.features.as_ref()));
        let number = u32::try_from(f.number()).map_err(|_| {
            Error::in_file(file, format!("field {} has a negative number", f.name()))
        })?;
        let kind = self.kind(cx, parent, f, features)?;
        // The JSON and text codecs read and write HashMap fields only.
        if options.map == MapType::BTreeMap
            && (options.json || options.text)
            && self.map_value(f).is_some()
        {
            return Err(Error::in_file(
                file,
                format!(
                    "field {full_name}: option map=btree_map is not supported together with \
                     json or text yet"
                ),
            ));
        }
        let cardinality = match f.label() {
            Label::Repeated => match self.map_entry(cx, f)? {
                Some((key, value)) => Cardinality::Map { key, value },
                None => {
                    let packed = kind.is_packable()
                        && f.options
                            .as_ref()
                            .and_then(|o| o.packed)
                            .unwrap_or(features.packed);
                    Cardinality::Repeated { packed }
                }
            },
            Label::Required => Cardinality::Singular(Presence::Required),
            Label::Optional if features.presence == features::Presence::LegacyRequired => {
                Cardinality::Singular(Presence::Required)
            }
            Label::Optional => {
                let implicit = features.presence == features::Presence::Implicit
                    && !f.proto3_optional()
                    && f.oneof_index.is_none()
                    && !matches!(kind, Kind::Message(_));
                Cardinality::Singular(if implicit {
                    Presence::Implicit
                } else {
                    Presence::Explicit
                })
            }
        };
        let default = match &f.default_value {
            Some(text) => Some(self.default_value(&kind, text, f, file)?),
            None => None,
        };
        // Groups (and editions' group-like delimited fields) are named by their type in
        // the text format: a delimited field named as its type lowercased, the type
        // nested beside it.
        let text_name = match &kind {
            Kind::Message(m)
                if m.delimited
                    && m.full_name.rsplit_once('.').is_some_and(|(scope, name)| {
                        name.to_lowercase() == f.name() && parent.trim_start_matches('.') == scope
                    }) =>
            {
                m.full_name
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            }
            _ => f.name().to_owned(),
        };
        Ok(Field {
            text_name,
            proto_name: f.name().to_owned(),
            json_name: f
                .json_name
                .clone()
                .unwrap_or_else(|| names::json_name(f.name())),
            rust_name: names::field(f.name()),
            variant: names::upper_camel(f.name()),
            number,
            doc: cx.comments.doc(path),
            kind,
            cardinality,
            default,
            types: ValueTypes {
                bytes: options.bytes,
                string: options.string,
            },
            map: options.map,
            attributes,
        })
    }

    fn kind(
        &self,
        cx: &Context<'_>,
        parent: &str,
        f: &FieldDescriptorProto,
        features: Features,
    ) -> Result<Kind, Error> {
        let file = cx.file.name();
        if let Some(s) = Scalar::of(f.r#type()) {
            return Ok(Kind::Scalar(s));
        }
        Ok(match f.r#type() {
            Type::String => Kind::String,
            Type::Bytes => Kind::Bytes,
            Type::Enum => match self.lookup(f.type_name(), file)? {
                TypeInfo::Enum {
                    path,
                    closed,
                    descriptor,
                } => Kind::Enum(EnumRef {
                    path: path.clone(),
                    full_name: f.type_name().trim_start_matches('.').to_owned(),
                    closed: *closed,
                    variants: {
                        let mut seen = HashSet::new();
                        descriptor
                            .value
                            .iter()
                            .filter(|v| seen.insert(v.number()))
                            .map(|v| names::enum_variant(descriptor.name(), v.name()))
                            .collect()
                    },
                }),
                TypeInfo::Message { .. } => {
                    return Err(Error::in_file(
                        file,
                        format!("{} is not an enum", f.type_name()),
                    ))
                }
            },
            Type::Message | Type::Group => match self.lookup(f.type_name(), file)? {
                TypeInfo::Message { path, descriptor } => Kind::Message(MessageRef {
                    path: path.clone(),
                    full_name: f.type_name().trim_start_matches('.').to_owned(),
                    // Editions express groups as DELIMITED message fields; map entries
                    // are always length-prefixed.
                    delimited: f.r#type() == Type::Group
                        || (features.delimited
                            && !descriptor.options.as_ref().is_some_and(|o| o.map_entry())),
                    boxed: f.label() != Label::Repeated && self.reaches(f.type_name(), parent),
                    needs_init_check: self.needs_init_check.contains(f.type_name()),
                    small: self
                        .max_known_len(f.type_name(), &mut Vec::new())
                        .is_some_and(|n| n < 0x80),
                }),
                TypeInfo::Enum { .. } => {
                    return Err(Error::in_file(
                        file,
                        format!("{} is not a message", f.type_name()),
                    ))
                }
            },
            other => {
                return Err(Error::in_file(
                    file,
                    format!("field {} has unsupported type {other:?}", f.name()),
                ))
            }
        })
    }

    /// Key and value kinds if `f` is a map field.
    fn map_entry(
        &self,
        cx: &Context<'_>,
        f: &FieldDescriptorProto,
    ) -> Result<Option<(Kind, Kind)>, Error> {
        let file = cx.file.name();
        if f.r#type() != Type::Message {
            return Ok(None);
        }
        let TypeInfo::Message { descriptor, .. } = self.lookup(f.type_name(), file)? else {
            return Ok(None);
        };
        if !descriptor.options.as_ref().is_some_and(|o| o.map_entry()) {
            return Ok(None);
        }
        let find = |number| {
            descriptor
                .field
                .iter()
                .find(|e| e.number() == number)
                .ok_or_else(|| {
                    Error::in_file(
                        file,
                        format!("map entry {} lacks field {number}", f.type_name()),
                    )
                })
        };
        let plain = Features {
            presence: features::Presence::Explicit,
            closed_enums: false,
            packed: false,
            delimited: false,
        };
        let key = self.kind(cx, f.type_name(), find(1)?, plain)?;
        let value = self.kind(cx, f.type_name(), find(2)?, plain)?;
        Ok(Some((key, value)))
    }

    fn default_value(
        &self,
        kind: &Kind,
        text: &str,
        f: &FieldDescriptorProto,
        file: &str,
    ) -> Result<DefaultValue, Error> {
        let bad = || {
            Error::in_file(
                file,
                format!("field {}: bad default value {text:?}", f.name()),
            )
        };
        Ok(match kind {
            Kind::Scalar(Scalar::Bool) => DefaultValue::Bool(text.parse().map_err(|_| bad())?),
            Kind::Scalar(Scalar::Float | Scalar::Double) => DefaultValue::Float(match text {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => text.parse().map_err(|_| bad())?,
            }),
            Kind::Scalar(Scalar::Uint32 | Scalar::Uint64 | Scalar::Fixed32 | Scalar::Fixed64) => {
                DefaultValue::Unsigned(text.parse().map_err(|_| bad())?)
            }
            Kind::Scalar(_) => DefaultValue::Signed(text.parse().map_err(|_| bad())?),
            Kind::String => DefaultValue::String(text.to_owned()),
            Kind::Bytes => DefaultValue::Bytes(unescape_c(text).ok_or_else(bad)?),
            Kind::Enum(_) => {
                let TypeInfo::Enum { descriptor, .. } = self.lookup(f.type_name(), file)? else {
                    return Err(bad());
                };
                let value = descriptor
                    .value
                    .iter()
                    .find(|v| v.name() == text)
                    .ok_or_else(bad)?;
                DefaultValue::Enum(names::enum_variant(descriptor.name(), text), value.number())
            }
            Kind::Message(_) => return Err(bad()),
        })
    }
}

/// Bytes in the varint encoding of `value`.
fn varint_len(value: u64) -> usize {
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

fn is_message_type(f: &FieldDescriptorProto) -> bool {
    matches!(f.r#type(), Type::Message | Type::Group)
}

fn enum_model(
    e: &EnumDescriptorProto,
    comments: &Comments,
    path: &[i32],
    attributes: Vec<String>,
    json: bool,
    text: TextImpls,
) -> Enum {
    let mut seen = HashSet::new();
    let values = e
        .value
        .iter()
        .enumerate()
        .filter(|(_, v)| seen.insert(v.number()))
        .map(|(i, v)| {
            let mut p = path.to_vec();
            p.extend([path::ENUM_VALUE, i as i32]);
            EnumValue {
                proto_name: v.name().to_owned(),
                variant: names::enum_variant(e.name(), v.name()),
                number: v.number(),
                doc: comments.doc(&p),
            }
        })
        .collect();
    Enum {
        all_names: e
            .value
            .iter()
            .map(|v| (v.name().to_owned(), v.number()))
            .collect(),
        json,
        text,
        rust_name: names::upper_camel(e.name()),
        doc: comments.doc(path),
        values,
        attributes,
    }
}

/// Undoes the C escaping protoc applies to `bytes` defaults.
fn unescape_c(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let c = bytes.next()?;
        out.push(match c {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'\\' | b'\'' | b'"' | b'?' => c,
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while let Some(d) = bytes.peek().and_then(|d| (*d as char).to_digit(16)) {
                    v = v * 16 + d;
                    bytes.next();
                    n += 1;
                }
                if n == 0 {
                    return None;
                }
                v as u8
            }
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match bytes.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            bytes.next();
                        }
                        _ => break,
                    }
                }
                v as u8
            }
            _ => return None,
        });
    }
    Some(out)
}

/// Comments from a file's source-code info, keyed by descriptor path.
#[derive(Default)]
struct Comments {
    by_path: HashMap<Vec<i32>, String>,
}

impl Comments {
    fn of(file: &FileDescriptorProto) -> Self {
        let mut by_path = HashMap::new();
        for loc in file.source_code_info.iter().flat_map(|s| &s.location) {
            let mut text = loc.leading_comments().to_owned();
            if let Some(trailing) = &loc.trailing_comments {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(trailing);
            }
            if !text.trim().is_empty() {
                by_path.insert(loc.path.clone(), text);
            }
        }
        Comments { by_path }
    }

    fn doc(&self, path: &[i32]) -> Vec<String> {
        self.by_path
            .get(path)
            .map(|c| names::doc_lines(c))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_escapes() {
        assert_eq!(unescape_c(r"a\nb\\\x41\101\0").unwrap(), b"a\nb\\AA\0");
        assert_eq!(unescape_c(r"\q"), None);
    }
}
