//! Differential tests: rsfast against prost, in both directions, over many generated
//! inputs for every message type of the test protos.
//!
//! The protos are parsed at test time (protox) and a descriptor-driven generator emits
//! random but valid wire bytes for a message type: random presence, extreme values
//! (0, ±1, MIN, MAX, NaN with payloads, ±0.0, infinities, subnormals, large and
//! over-long varints, varints whose high bits `int32`/`uint32`/`sint32`/`bool`/enum
//! readers must truncate), rare over-long tags, multi-byte UTF-8, random bytes, repeated
//! fields both packed and unpacked whatever they declare (empty packed records included),
//! maps (duplicate keys, entries missing their key or value, value before key, unknown
//! fields inside entries), oneofs with several members set (last wins, the same message
//! member set again merges), singular fields set twice (last wins / messages merge),
//! nested messages up to depth 5, groups (TYPE_GROUP), proto2 required fields always set,
//! closed enums with declared values only, records in random order, declared extensions
//! with their proper types, and fields of undeclared numbers with every wire type (nested
//! unknown groups included).
//!
//! For each input `B`, with `R`/`P` the rsfast/prost types (see [`check`]):
//!  a) both decode `B`;
//!  b) prost decodes rsfast's encoding of `R` to a message equal to `P`;
//!  c) rsfast decodes prost's encoding of `P` to the message rsfast decodes from its own
//!     encoding of `R` minus what prost drops (unknown fields, implicit `-0.0`), and prost
//!     decodes that back to what it decodes from its own encoding;
//!  d) rsfast's encoding is in canonical order (field numbers ascending, unknown fields
//!     last, map entries exactly `key, value`), and equals prost's encoding byte for byte
//!     once the known differences are normalised away ([`Mode::Prost`]); when
//!     normalisation changes nothing the raw encodings must be equal (counted as `strict`);
//!  e) rsfast alone: `encoded_len` is exact, the input's unknown fields are re-emitted in
//!     order, `decode(encode(R)) == R` (unknown fields included), the encoding is stable
//!     (byte for byte without maps; with map entries sorted otherwise, as `HashMap` order
//!     varies), decoding `B` in two pieces through `merge` gives `R` (prost's `merge`
//!     too), and `clear` gives the default message.
//!
//! Equality of prost messages compares encodings (bit-exact, NaN payloads included),
//! `Debug` output (tells `-0.0` from `0.0`) and, when the message has no NaN (equals
//! itself), `PartialEq`. Equality of rsfast messages compares canonical encodings
//! ([`Mode::Canonical`]) and, without NaN, `PartialEq` (unknown fields included).
//!
//! Known, legitimate differences, designed around (each one is documented where handled):
//! - prost drops unknown fields (and so extensions), rsfast keeps them: [`Mode::Prost`];
//! - prost does not write implicit-presence floats equal to `-0.0`: [`Mode::Prost`];
//! - prost does not write default keys and values in map entries: [`Mode::Prost`];
//! - prost writes a oneof at its lowest field number: [`Mode::Prost`];
//! - prost's maps here are `BTreeMap`s, rsfast's `HashMap`s: [`Mode::Prost`];
//! - prost drops a map value whose required fields all hold zero values, which rsfast then
//!   rightly rejects as uninitialized: [`prost_drops_required_map_value`];
//! - an undeclared closed-enum value goes to unknown fields in rsfast, prost keeps the
//!   number: never generated.
//!
//! [`string_modes`] runs the same inputs through the two string representations: the
//! slick golden (`String`, `Vec<u8>`) against the json_bytes golden (`rsfast::BytesString`,
//! `bytes::Bytes`, decoded by `decode_bytes` and by `decode`), which must agree on every
//! decode, length and encoding.
//!
//! `RSFAST_DIFF_ITERS` (default 300 per message type) and `RSFAST_DIFF_SEED` (default 0)
//! change the run; a failure prints the message type, seed and input, then a shrunk input.

use std::collections::HashMap;
use std::fmt::{Debug, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::DescriptorProto;
use rsfast_tests::{prost_gen, rsfast_gen};

/// Inputs per message type.
const DEFAULT_ITERS: u64 = 300;
/// Nesting depth of generated messages (a sample picks 0..=MAX_DEPTH).
const MAX_DEPTH: u64 = 5;
/// Records per generated input, roughly: past it only required fields are emitted.
const RECORD_BUDGET: i32 = 250;

// ---------------------------------------------------------------------------------------
// The message types: descriptor full name => (rsfast type, prost type), same module path.
// Map entry types are not messages in either library and have no entry.

macro_rules! differential_tests {
    ($($test:ident: $full:literal => $($seg:ident)::+;)*) => {
        /// Every message type tested, by full name.
        const COVERED: &[&str] = &[$($full),*];
        $(
            #[test]
            fn $test() {
                run::<rsfast_gen::$($seg)::+, prost_gen::$($seg)::+>($full);
            }
        )*
    };
}

differential_tests! {
    scalars: "rsfast.test.Scalars" => rsfast::test::Scalars;
    optionals: "rsfast.test.Optionals" => rsfast::test::Optionals;
    repeated: "rsfast.test.Repeated" => rsfast::test::Repeated;
    repeated_nested: "rsfast.test.Repeated.Nested" => rsfast::test::repeated::Nested;
    maps: "rsfast.test.Maps" => rsfast::test::Maps;
    oneofs: "rsfast.test.Oneofs" => rsfast::test::Oneofs;
    tree: "rsfast.test.Tree" => rsfast::test::Tree;
    ping: "rsfast.test.Ping" => rsfast::test::Ping;
    pong: "rsfast.test.Pong" => rsfast::test::Pong;
    keywords: "rsfast.test.Keywords" => rsfast::test::Keywords;
    outer: "rsfast.test.Outer" => rsfast::test::Outer;
    outer_middle: "rsfast.test.Outer.Middle" => rsfast::test::outer::Middle;
    outer_middle_inner: "rsfast.test.Outer.Middle.Inner" => rsfast::test::outer::middle::Inner;
    documented: "rsfast.test.Documented" => rsfast::test::Documented;
    empty: "rsfast.test.Empty" => rsfast::test::Empty;
    other_point: "rsfast.test.other.Point" => rsfast::test::other::Point;
    defaults: "rsfast.test2.Defaults" => rsfast::test2::Defaults;
    required: "rsfast.test2.Required" => rsfast::test2::Required;
    has_required: "rsfast.test2.HasRequired" => rsfast::test2::HasRequired;
    groups: "rsfast.test2.Groups" => rsfast::test2::Groups;
    groups_data: "rsfast.test2.Groups.Data" => rsfast::test2::groups::Data;
    groups_item: "rsfast.test2.Groups.Item" => rsfast::test2::groups::Item;
    closed: "rsfast.test2.Closed" => rsfast::test2::Closed;
    packed: "rsfast.test2.Packed" => rsfast::test2::Packed;
    extendable: "rsfast.test2.Extendable" => rsfast::test2::Extendable;
    ext_group: "rsfast.test2.ExtGroup" => rsfast::test2::ExtGroup;
    extension_holder: "rsfast.test2.ExtensionHolder" => rsfast::test2::ExtensionHolder;
    echo_request: "grpc.examples.echo.EchoRequest" => grpc::examples::echo::EchoRequest;
    echo_response: "grpc.examples.echo.EchoResponse" => grpc::examples::echo::EchoResponse;
}

/// Known rsfast bugs found by this test, as (message type, reason); a type listed here
/// is still generated and checked, but a failure is reported instead of failing the test.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn every_message_type_is_covered() {
    let mut declared: Vec<&str> = schema()
        .msgs
        .iter()
        .filter(|(_, m)| !m.map_entry)
        .map(|(name, _)| name.as_str())
        .collect();
    declared.sort_unstable();
    let mut covered = COVERED.to_vec();
    covered.sort_unstable();
    assert_eq!(
        declared, covered,
        "add the missing message types to differential_tests!"
    );
}

// ---------------------------------------------------------------------------------------
// A tiny deterministic RNG (splitmix64).

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The schema, from the protos.

#[derive(Debug, Clone)]
struct Field {
    name: String,
    number: u32,
    ty: Type,
    repeated: bool,
    required: bool,
    /// proto3 singular scalar without `optional`: not written when zero.
    implicit: bool,
    /// The real oneof (not proto3 `optional`'s synthetic one).
    oneof: Option<i32>,
    /// Message, group or enum type, without the leading dot.
    type_name: String,
    /// Key and value fields, for a map field.
    map: Option<Box<(Field, Field)>>,
}

#[derive(Debug)]
struct Msg {
    fields: Vec<Field>,
    /// Extensions declared for this message (unknown fields to rsfast's decoder, which
    /// keeps them in `unknown_fields`, and to prost, which drops them).
    extensions: Vec<Field>,
    map_entry: bool,
    oneofs: usize,
}

#[derive(Debug)]
struct EnumInfo {
    values: Vec<i32>,
    closed: bool,
}

#[derive(Debug)]
struct Schema {
    msgs: HashMap<String, Msg>,
    enums: HashMap<String, EnumInfo>,
}

impl Msg {
    fn field(&self, number: u32) -> Option<&Field> {
        self.fields.iter().find(|f| f.number == number)
    }

    /// Where prost writes `f`: its fields are sorted by their lowest tag, so a oneof goes
    /// where its lowest-numbered member would.
    fn prost_position(&self, f: &Field) -> u32 {
        match f.oneof {
            Some(o) => self
                .fields
                .iter()
                .filter(|g| g.oneof == Some(o))
                .map(|g| g.number)
                .min()
                .unwrap(),
            None => f.number,
        }
    }

    fn has_required(&self) -> bool {
        self.fields.iter().any(|f| f.required)
    }
}

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../proto");
        let files = [
            "test/types3.proto",
            "test/other.proto",
            "test/types2.proto",
            "echo.proto",
        ];
        let fds = protox::compile(files, [root]).expect("the test protos compile");
        let mut s = Schema {
            msgs: HashMap::new(),
            enums: HashMap::new(),
        };
        for file in &fds.file {
            let proto3 = file.syntax() == "proto3";
            let package = file.package();
            for e in &file.enum_type {
                add_enum(&mut s, package, e, proto3);
            }
            for m in &file.message_type {
                add_message(&mut s, package, m, proto3);
            }
        }
        let mut extensions = Vec::new();
        for file in &fds.file {
            collect_extensions(&file.extension, &file.message_type, &mut extensions);
        }
        for (extendee, f) in extensions {
            let f = to_field(&f, false);
            s.msgs.get_mut(&extendee).unwrap().extensions.push(f);
        }
        // Resolve map fields, now that every entry type is known.
        let entries: HashMap<String, (Field, Field)> = s
            .msgs
            .iter()
            .filter(|(_, m)| m.map_entry)
            .map(|(name, m)| {
                let key = m.field(1).unwrap().clone();
                let value = m.field(2).unwrap().clone();
                (name.clone(), (key, value))
            })
            .collect();
        for m in s.msgs.values_mut() {
            for f in &mut m.fields {
                if f.ty == Type::Message {
                    if let Some(kv) = entries.get(&f.type_name) {
                        f.map = Some(Box::new(kv.clone()));
                        f.implicit = false;
                    }
                }
            }
        }
        s
    })
}

fn add_enum(s: &mut Schema, scope: &str, e: &prost_types::EnumDescriptorProto, proto3: bool) {
    s.enums.insert(
        format!("{scope}.{}", e.name()),
        EnumInfo {
            values: e.value.iter().map(|v| v.number()).collect(),
            closed: !proto3,
        },
    );
}

fn collect_extensions(
    extensions: &[prost_types::FieldDescriptorProto],
    messages: &[DescriptorProto],
    out: &mut Vec<(String, prost_types::FieldDescriptorProto)>,
) {
    for e in extensions {
        out.push((e.extendee().trim_start_matches('.').to_string(), e.clone()));
    }
    for m in messages {
        collect_extensions(&m.extension, &m.nested_type, out);
    }
}

fn to_field(f: &prost_types::FieldDescriptorProto, proto3: bool) -> Field {
    let repeated = f.label() == Label::Repeated;
    let oneof = if f.proto3_optional() {
        None
    } else {
        f.oneof_index
    };
    let ty = f.r#type();
    Field {
        name: f.name().to_string(),
        number: f.number() as u32,
        ty,
        repeated,
        required: f.label() == Label::Required,
        implicit: proto3
            && !repeated
            && !f.proto3_optional()
            && oneof.is_none()
            && !matches!(ty, Type::Message | Type::Group),
        oneof,
        type_name: f.type_name().trim_start_matches('.').to_string(),
        map: None,
    }
}

fn add_message(s: &mut Schema, scope: &str, m: &DescriptorProto, proto3: bool) {
    let name = format!("{scope}.{}", m.name());
    for e in &m.enum_type {
        add_enum(s, &name, e, proto3);
    }
    for nested in &m.nested_type {
        add_message(s, &name, nested, proto3);
    }
    let fields = m.field.iter().map(|f| to_field(f, proto3)).collect();
    let map_entry = m.options.as_ref().is_some_and(|o| o.map_entry());
    let oneofs = m
        .field
        .iter()
        .filter_map(|f| (!f.proto3_optional()).then_some(f.oneof_index?))
        .max();
    s.msgs.insert(
        name,
        Msg {
            fields,
            extensions: Vec::new(),
            map_entry,
            oneofs: oneofs.map_or(0, |o| o as usize + 1),
        },
    );
}

// ---------------------------------------------------------------------------------------
// Wire helpers.

const WT_VARINT: u8 = 0;
const WT_FIXED64: u8 = 1;
const WT_LEN: u8 = 2;
const WT_START_GROUP: u8 = 3;
const WT_END_GROUP: u8 = 4;
const WT_FIXED32: u8 = 5;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

fn len_record(number: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 6);
    put_tag(&mut out, number, WT_LEN);
    put_varint(&mut out, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

fn group_record(number: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 10);
    put_tag(&mut out, number, WT_START_GROUP);
    out.extend_from_slice(body);
    put_tag(&mut out, number, WT_END_GROUP);
    out
}

fn wire_type(ty: Type) -> u8 {
    match ty {
        Type::Int32
        | Type::Int64
        | Type::Uint32
        | Type::Uint64
        | Type::Sint32
        | Type::Sint64
        | Type::Bool
        | Type::Enum => WT_VARINT,
        Type::Fixed64 | Type::Sfixed64 | Type::Double => WT_FIXED64,
        Type::Fixed32 | Type::Sfixed32 | Type::Float => WT_FIXED32,
        Type::String | Type::Bytes | Type::Message => WT_LEN,
        Type::Group => WT_START_GROUP,
    }
}

/// Scalars that may be packed.
fn packable(ty: Type) -> bool {
    !matches!(ty, Type::String | Type::Bytes | Type::Message | Type::Group)
}

/// Whether a record of wire type `wt` belongs to field `f` (known field, expected type).
fn wire_type_matches(f: &Field, wt: u8) -> bool {
    if f.map.is_some() {
        return wt == WT_LEN;
    }
    wt == wire_type(f.ty) || (f.repeated && packable(f.ty) && wt == WT_LEN)
}

fn zigzag32(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag64(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(s, "{b:02x}").unwrap();
    }
    s
}

// ---------------------------------------------------------------------------------------
// The generator.

const U64S: &[u64] = &[
    0,
    1,
    2,
    127,
    128,
    255,
    300,
    16383,
    16384,
    u32::MAX as u64,
    1 << 32,
    (1 << 32) + 1,
    i32::MAX as u64,
    i32::MIN as i64 as u64,
    -1i64 as u64,
    -2i64 as u64,
    i64::MAX as u64,
    i64::MIN as u64,
    u64::MAX - 1,
    1 << 63,
    1 << 56,
];

const I32S: &[i32] = &[
    0,
    1,
    -1,
    2,
    -2,
    63,
    -64,
    64,
    -65,
    127,
    128,
    -128,
    8191,
    -8192,
    i32::MAX,
    i32::MIN,
    i32::MAX - 1,
    i32::MIN + 1,
    1 << 24,
];

const F32S: &[u32] = &[
    0x0000_0000, // 0.0
    0x8000_0000, // -0.0
    0x3f80_0000, // 1.0
    0xbf80_0000, // -1.0
    0x7f80_0000, // inf
    0xff80_0000, // -inf
    0x0080_0000, // MIN_POSITIVE
    0x0000_0001, // smallest subnormal
    0x807f_ffff, // largest negative subnormal
    0x7f7f_ffff, // MAX
    0xff7f_ffff, // MIN
    0x3400_0000, // EPSILON
];

const F64S: &[u64] = &[
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x0010_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x800f_ffff_ffff_ffff,
    0x7fef_ffff_ffff_ffff,
    0xffef_ffff_ffff_ffff,
    0x3cb0_0000_0000_0000,
];

/// NaN, -NaN, a signalling NaN and one with a payload (random bits add more).
const NAN32: &[u32] = &[0x7fc0_0000, 0xffc0_0000, 0x7f80_0001, 0x7fc1_2345];
const NAN64: &[u64] = &[
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0000,
    0x7ff0_0000_0000_0001,
    0x7ff8_dead_beef_0001,
];

const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '\0',
    '\n',
    '"',
    '\\',
    '\u{7f}',
    'é',
    'ß',
    'Ω',
    '\u{7ff}',
    '中',
    '€',
    '\u{800}',
    '\u{feff}',
    '\u{fffd}',
    '\u{ffff}',
    '😀',
    '🦀',
    '👩',
    '\u{200d}',
    '\u{10000}',
    '\u{10ffff}',
];

struct Gen<'s> {
    s: &'s Schema,
    rng: Rng,
    budget: i32,
}

impl<'s> Gen<'s> {
    fn new(s: &'s Schema, seed: u64) -> Self {
        Gen {
            s,
            rng: Rng(seed),
            budget: RECORD_BUDGET,
        }
    }

    /// The encoded body of a message `name`.
    fn message(&mut self, name: &str, depth: u32) -> Vec<u8> {
        let s = self.s;
        let msg = &s.msgs[name];
        let mut records: Vec<Vec<u8>> = Vec::new();
        for f in msg.fields.iter().filter(|f| f.oneof.is_none()) {
            self.field(f, depth, &mut records);
        }
        for o in 0..msg.oneofs as i32 {
            let members: Vec<&Field> = msg.fields.iter().filter(|f| f.oneof == Some(o)).collect();
            // Mostly none or one member; sometimes several: the last one wins, and the
            // same message member set again merges (so it is often repeated).
            let n = match self.rng.below(20) {
                0..=7 => 0,
                8..=15 => 1,
                _ => 2 + self.rng.below(3),
            };
            let mut f = self.rng.pick(&members);
            for _ in 0..n {
                if self.rng.one_in(2) {
                    f = self.rng.pick(&members);
                }
                if self.can_emit(f, depth) {
                    records.push(self.record(f, depth));
                }
            }
        }
        if !msg.extensions.is_empty() && self.rng.one_in(2) {
            for _ in 0..=self.rng.below(4) {
                let f = self.rng.pick(&msg.extensions.iter().collect::<Vec<_>>());
                if self.can_emit(f, depth) {
                    let mut one = Vec::new();
                    self.field(f, depth, &mut one);
                    records.extend(one);
                }
            }
        }
        if self.budget > 0 && self.rng.one_in(4) {
            for _ in 0..=self.rng.below(3) {
                let unknown = self.unknown_record(&|n| msg.field(n).is_some(), depth);
                records.push(unknown);
            }
        }
        // Field order on the wire is free; semantics (last wins) follow the final order.
        if self.rng.one_in(3) {
            self.rng.shuffle(&mut records);
        }
        records.concat()
    }

    fn can_emit(&self, f: &Field, depth: u32) -> bool {
        if f.required {
            return true;
        }
        let nested = matches!(f.ty, Type::Message | Type::Group);
        self.budget > 0 && !(nested && depth == 0)
    }

    /// How many times a repeated field (or map) occurs.
    fn count(&mut self) -> u64 {
        if self.budget <= 0 {
            return 0;
        }
        match self.rng.below(10) {
            0..=3 => 0,
            4..=6 => 1,
            7..=8 => 2 + self.rng.below(2),
            _ => 4 + self.rng.below(5),
        }
    }

    fn field(&mut self, f: &Field, depth: u32, records: &mut Vec<Vec<u8>>) {
        if let Some(kv) = &f.map {
            if kv.1.ty == Type::Message && depth == 0 {
                return;
            }
            for _ in 0..self.count() {
                records.push(self.map_entry(f.number, &kv.0, &kv.1, depth));
            }
            return;
        }
        if f.repeated {
            if !self.can_emit(f, depth) {
                return;
            }
            for _ in 0..self.count() {
                if packable(f.ty) && self.rng.one_in(2) {
                    // A packed record, whatever the field declares; possibly empty.
                    let mut payload = Vec::new();
                    for _ in 0..self.rng.below(6) {
                        self.value(f.ty, &f.type_name, depth, &mut payload);
                    }
                    self.budget -= 1;
                    records.push(len_record(f.number, &payload));
                } else {
                    records.push(self.record(f, depth));
                }
            }
            return;
        }
        let n = if f.required {
            1 + u64::from(self.rng.one_in(8))
        } else {
            match self.rng.below(10) {
                0..=3 => 0,
                4..=8 => 1,
                _ => 2,
            }
        };
        for _ in 0..n {
            if self.can_emit(f, depth) {
                records.push(self.record(f, depth));
            }
        }
    }

    /// One (unpacked) record of field `f`.
    fn record(&mut self, f: &Field, depth: u32) -> Vec<u8> {
        self.budget -= 1;
        if f.ty == Type::Group {
            let body = self.message(&f.type_name, depth.saturating_sub(1));
            return group_record(f.number, &body);
        }
        let mut out = Vec::new();
        self.tag(&mut out, f.number, wire_type(f.ty));
        self.value(f.ty, &f.type_name, depth, &mut out);
        out
    }

    /// A tag, rarely over-long (up to 5 bytes, which protoc's parsers accept too).
    fn tag(&mut self, out: &mut Vec<u8>, number: u32, wire_type: u8) {
        let tag = (u64::from(number) << 3) | u64::from(wire_type);
        let mut canonical = Vec::new();
        put_varint(&mut canonical, tag);
        if canonical.len() >= 5 || !self.rng.one_in(50) {
            out.extend_from_slice(&canonical);
            return;
        }
        let len = canonical.len() + 1 + self.rng.below(5 - canonical.len() as u64) as usize;
        for i in 0..len {
            let byte = ((tag >> (7 * i)) & 0x7f) as u8;
            out.push(if i + 1 < len { byte | 0x80 } else { byte });
        }
    }

    fn map_entry(&mut self, number: u32, key: &Field, value: &Field, depth: u32) -> Vec<u8> {
        self.budget -= 1;
        let mut k = Vec::new();
        put_tag(&mut k, 1, wire_type(key.ty));
        self.value(key.ty, &key.type_name, depth, &mut k);
        let mut v = Vec::new();
        put_tag(&mut v, 2, wire_type(value.ty));
        self.value(value.ty, &value.type_name, depth, &mut v);
        // A missing value is the default value: not initialized if it has required fields.
        let value_required =
            value.ty == Type::Message && self.s.msgs[&value.type_name].has_required();
        let mut parts = Vec::new();
        if !self.rng.one_in(10) {
            parts.push(k);
        }
        if value_required || !self.rng.one_in(10) {
            parts.push(v);
        }
        if self.rng.one_in(20) {
            parts.push(self.unknown_record(&|n| n <= 2, depth));
        }
        if self.rng.one_in(8) {
            self.rng.shuffle(&mut parts);
        }
        len_record(number, &parts.concat())
    }

    /// A varint, sometimes over-long (padded with 0x80 continuation bytes, up to 10 bytes).
    fn varint(&mut self, out: &mut Vec<u8>, v: u64) {
        if !self.rng.one_in(25) {
            put_varint(out, v);
            return;
        }
        let mut canonical = Vec::new();
        put_varint(&mut canonical, v);
        let len = canonical.len() + self.rng.below(11 - canonical.len() as u64) as usize;
        for i in 0..len {
            let byte = ((v >> (7 * i)) & 0x7f) as u8;
            out.push(if i + 1 < len { byte | 0x80 } else { byte });
        }
    }

    fn u64(&mut self) -> u64 {
        match self.rng.below(4) {
            0..=1 => self.rng.pick(U64S),
            2 => self.rng.next(),
            _ => self.rng.next() >> self.rng.below(64),
        }
    }

    fn i32(&mut self) -> i32 {
        match self.rng.below(4) {
            0..=1 => self.rng.pick(I32S),
            2 => self.rng.next() as i32,
            _ => (self.rng.next() as i32) >> self.rng.below(32),
        }
    }

    fn u32(&mut self) -> u32 {
        match self.rng.below(5) {
            0 => u32::MAX - self.rng.below(2) as u32,
            _ => self.i32() as u32,
        }
    }

    fn f32_bits(&mut self) -> u32 {
        match self.rng.below(30) {
            0 => self.rng.pick(NAN32),
            1..=9 => self.rng.next() as u32,
            _ => self.rng.pick(F32S),
        }
    }

    fn f64_bits(&mut self) -> u64 {
        match self.rng.below(30) {
            0 => self.rng.pick(NAN64),
            1..=9 => self.rng.next(),
            _ => self.rng.pick(F64S),
        }
    }

    fn string(&mut self) -> String {
        let n = match self.rng.below(8) {
            0 => 0,
            1..=5 => self.rng.below(8),
            _ => self.rng.below(40),
        };
        (0..n)
            .map(|_| {
                if self.rng.one_in(3) {
                    char::from(b' ' + self.rng.below(95) as u8)
                } else if self.rng.one_in(4) {
                    // Any scalar value (never a surrogate).
                    char::from_u32(self.rng.below(0x11_0000) as u32).unwrap_or('\u{d7ff}')
                } else {
                    self.rng.pick(CHARS)
                }
            })
            .collect()
    }

    fn bytes(&mut self) -> Vec<u8> {
        let n = match self.rng.below(8) {
            0 => 0,
            1..=5 => self.rng.below(8),
            _ => self.rng.below(64),
        };
        (0..n)
            .map(|_| match self.rng.below(4) {
                0 => self.rng.pick(&[0u8, 0x80, 0xc0, 0xff, 0xfe, 0xed]),
                _ => self.rng.next() as u8,
            })
            .collect()
    }

    /// The value of a field of type `ty` (after its tag), for every type but groups.
    fn value(&mut self, ty: Type, type_name: &str, depth: u32, out: &mut Vec<u8>) {
        match ty {
            Type::Int32 => {
                let v = if self.rng.one_in(7) {
                    self.u64() // only the low 32 bits count
                } else {
                    self.i32() as i64 as u64
                };
                self.varint(out, v);
            }
            Type::Int64 | Type::Uint64 => {
                let v = self.u64();
                self.varint(out, v);
            }
            Type::Uint32 => {
                let v = if self.rng.one_in(7) {
                    self.u64()
                } else {
                    u64::from(self.u32())
                };
                self.varint(out, v);
            }
            Type::Sint32 => {
                let v = if self.rng.one_in(7) {
                    self.u64()
                } else {
                    zigzag32(self.i32())
                };
                self.varint(out, v);
            }
            Type::Sint64 => {
                let v = zigzag64(self.u64() as i64);
                self.varint(out, v);
            }
            Type::Bool => {
                let v = if self.rng.one_in(7) {
                    self.u64()
                } else {
                    self.rng.below(2)
                };
                self.varint(out, v);
            }
            Type::Enum => {
                let e = &self.s.enums[type_name];
                let v = if e.closed {
                    // Declared values only; rarely with garbage in bits 32..64, which
                    // readers drop (enums are read as int32).
                    let v = self.rng.pick(&e.values);
                    if self.rng.one_in(20) {
                        u64::from(v as u32) | (self.rng.next() << 32)
                    } else {
                        v as i64 as u64
                    }
                } else {
                    match self.rng.below(10) {
                        0..=6 => self.rng.pick(&e.values) as i64 as u64,
                        7..=8 => self.i32() as i64 as u64,
                        _ => self.u64(),
                    }
                };
                self.varint(out, v);
            }
            Type::Fixed32 | Type::Sfixed32 => {
                let v = self.u32();
                out.extend_from_slice(&v.to_le_bytes());
            }
            Type::Float => {
                let v = self.f32_bits();
                out.extend_from_slice(&v.to_le_bytes());
            }
            Type::Fixed64 | Type::Sfixed64 => {
                let v = self.u64();
                out.extend_from_slice(&v.to_le_bytes());
            }
            Type::Double => {
                let v = self.f64_bits();
                out.extend_from_slice(&v.to_le_bytes());
            }
            Type::String => {
                let v = self.string();
                put_varint(out, v.len() as u64);
                out.extend_from_slice(v.as_bytes());
            }
            Type::Bytes => {
                let v = self.bytes();
                put_varint(out, v.len() as u64);
                out.extend_from_slice(&v);
            }
            Type::Message => {
                let body = self.message(type_name, depth.saturating_sub(1));
                put_varint(out, body.len() as u64);
                out.extend_from_slice(&body);
            }
            Type::Group => unreachable!("groups are written by Gen::record"),
        }
    }

    /// A record of a field number for which `taken` is false, of any wire type.
    fn unknown_record(&mut self, taken: &dyn Fn(u32) -> bool, depth: u32) -> Vec<u8> {
        self.budget -= 1;
        let number = loop {
            let n = match self.rng.below(5) {
                0..=1 => 1 + self.rng.below(40) as u32,
                2 => 100 + self.rng.below(100) as u32,
                3 => 1 + self.rng.below((1 << 29) - 1) as u32,
                _ => (1 << 29) - 1 - self.rng.below(3) as u32,
            };
            if !taken(n) {
                break n;
            }
        };
        let wt = self
            .rng
            .pick(&[WT_VARINT, WT_FIXED64, WT_LEN, WT_START_GROUP, WT_FIXED32]);
        let mut out = Vec::new();
        put_tag(&mut out, number, wt);
        match wt {
            WT_VARINT => {
                let v = self.u64();
                self.varint(&mut out, v);
            }
            WT_FIXED64 => out.extend_from_slice(&self.rng.next().to_le_bytes()),
            WT_LEN => {
                let v = self.bytes();
                put_varint(&mut out, v.len() as u64);
                out.extend_from_slice(&v);
            }
            WT_START_GROUP => {
                if depth > 0 && self.budget > 0 {
                    for _ in 0..self.rng.below(4) {
                        let inner = self.unknown_record(&|_| false, depth - 1);
                        out.extend_from_slice(&inner);
                    }
                }
                put_tag(&mut out, number, WT_END_GROUP);
            }
            _ => out.extend_from_slice(&(self.rng.next() as u32).to_le_bytes()),
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Parsing and normalising encodings, by descriptor.

/// One record of an encoding.
struct Rec<'a> {
    number: u32,
    wt: u8,
    /// The value: varint bytes, fixed bytes, the length-delimited payload (without its
    /// length) or the group's fields (without its end tag).
    body: &'a [u8],
    /// The whole record, tag (and end tag) included.
    raw: &'a [u8],
}

fn read_varint(buf: &mut &[u8]) -> u64 {
    let mut v = 0u64;
    for i in 0..10 {
        let b = buf[0];
        *buf = &buf[1..];
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return v;
        }
    }
    panic!("varint too long");
}

fn take<'a>(buf: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = buf.split_at(n);
    *buf = tail;
    head
}

fn parse_record<'a>(buf: &mut &'a [u8]) -> Rec<'a> {
    let start = *buf;
    let tag = read_varint(buf);
    let number = (tag >> 3) as u32;
    let wt = (tag & 7) as u8;
    let body = match wt {
        WT_VARINT => {
            let before = *buf;
            read_varint(buf);
            &before[..before.len() - buf.len()]
        }
        WT_FIXED64 => take(buf, 8),
        WT_FIXED32 => take(buf, 4),
        WT_LEN => {
            let len = read_varint(buf) as usize;
            take(buf, len)
        }
        WT_START_GROUP => {
            let before = *buf;
            loop {
                let mut peek = *buf;
                let tag = read_varint(&mut peek);
                if tag & 7 == u64::from(WT_END_GROUP) {
                    assert_eq!(tag >> 3, u64::from(number), "mismatched end group");
                    let body = &before[..before.len() - buf.len()];
                    *buf = peek;
                    break body;
                }
                parse_record(buf);
            }
        }
        _ => panic!("invalid wire type {wt}"),
    };
    Rec {
        number,
        wt,
        body,
        raw: &start[..start.len() - buf.len()],
    }
}

fn parse(mut buf: &[u8]) -> Vec<Rec<'_>> {
    let mut records = Vec::new();
    while !buf.is_empty() {
        records.push(parse_record(&mut buf));
    }
    records
}

fn varint_of(body: &[u8]) -> u64 {
    read_varint(&mut { body })
}

/// A map key, ordered as prost's `BTreeMap` orders the Rust key type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum KeyOrd {
    Signed(i64),
    Unsigned(u64),
    Str(Vec<u8>),
}

fn key_ord(ty: Type, body: Option<&[u8]>) -> KeyOrd {
    let v = || body.map_or(0, varint_of);
    let fixed = || {
        let mut le = [0u8; 8];
        if let Some(b) = body {
            le[..b.len()].copy_from_slice(b);
        }
        u64::from_le_bytes(le)
    };
    match ty {
        Type::Int32 => KeyOrd::Signed(i64::from(v() as i32)),
        Type::Int64 => KeyOrd::Signed(v() as i64),
        Type::Uint32 => KeyOrd::Unsigned(u64::from(v() as u32)),
        Type::Uint64 => KeyOrd::Unsigned(v()),
        Type::Sint32 => KeyOrd::Signed(unzigzag64(u64::from(v() as u32))),
        Type::Sint64 => KeyOrd::Signed(unzigzag64(v())),
        Type::Fixed32 | Type::Fixed64 => KeyOrd::Unsigned(fixed()),
        Type::Sfixed32 => KeyOrd::Signed(i64::from(fixed() as u32 as i32)),
        Type::Sfixed64 => KeyOrd::Signed(fixed() as i64),
        Type::Bool => KeyOrd::Unsigned(u64::from(v() != 0)),
        Type::String => KeyOrd::Str(body.unwrap_or_default().to_vec()),
        _ => unreachable!("not a map key type: {ty:?}"),
    }
}

/// Whether a (non-message) value is its type's default, as prost's `==` sees it.
fn is_default(ty: Type, body: &[u8]) -> bool {
    match ty {
        Type::Float => f32::from_le_bytes(body.try_into().unwrap()) == 0.0,
        Type::Double => f64::from_le_bytes(body.try_into().unwrap()) == 0.0,
        _ => match wire_type(ty) {
            WT_VARINT => varint_of(body) == 0,
            WT_FIXED32 | WT_FIXED64 => body.iter().all(|&b| b == 0),
            _ => body.is_empty(),
        },
    }
}

fn is_negative_zero(ty: Type, body: &[u8]) -> bool {
    match ty {
        Type::Float => body == (-0.0f32).to_le_bytes(),
        Type::Double => body == (-0.0f64).to_le_bytes(),
        _ => false,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// A canonical form of an rsfast encoding: map entries sorted by key (rsfast's maps
    /// are `HashMap`s: two equal messages may write their entries in different orders).
    Canonical,
    /// An rsfast encoding turned into what prost writes for the same message. Each step is
    /// a known, legitimate difference:
    /// - prost keeps no unknown fields: they are dropped;
    /// - prost skips an implicit-presence float or double equal to `-0.0` (it compares with
    ///   `== 0.0`); rsfast writes it, as protoc's runtimes do (the bits differ from the
    ///   default): those records are dropped;
    /// - inside map entries prost skips a key or value equal to its default (`-0.0` for
    ///   floats included, a message value equal to the default message, proto2 required
    ///   fields holding zero values included: see [`prost_default_message`]); rsfast
    ///   writes both, as protoc does: such key and value records are dropped;
    /// - prost's maps are `BTreeMap`s here, written in key order: entries are sorted;
    /// - prost writes a oneof where its lowest-numbered member would go (fields sorted by
    ///   lowest tag), rsfast writes each member at its own number (`Oneofs.second`'s
    ///   `s_sint32 = 12` comes after `between = 11`): records are stably sorted by prost's
    ///   position. rsfast's own order (ascending numbers) is checked separately, by
    ///   [`check_rsfast_order`], so this sort masks nothing.
    Prost,
}

fn normalize(s: &Schema, name: &str, bytes: &[u8], mode: Mode) -> Vec<u8> {
    struct Item {
        position: u32,
        map_key: Option<(u32, KeyOrd)>,
        bytes: Vec<u8>,
    }
    let msg = &s.msgs[name];
    let mut items = Vec::new();
    for rec in parse(bytes) {
        let Some(f) = msg
            .field(rec.number)
            .filter(|f| wire_type_matches(f, rec.wt))
        else {
            if mode == Mode::Canonical {
                items.push(Item {
                    position: u32::MAX,
                    map_key: None,
                    bytes: rec.raw.to_vec(),
                });
            }
            continue;
        };
        let position = msg.prost_position(f);
        let mut map_key = None;
        let bytes = if let Some(kv) = &f.map {
            let (key, entry) = normalize_entry(s, &kv.0, &kv.1, rec.body, mode);
            map_key = Some((f.number, key));
            len_record(f.number, &entry)
        } else {
            match f.ty {
                Type::Message => len_record(f.number, &normalize(s, &f.type_name, rec.body, mode)),
                Type::Group => group_record(f.number, &normalize(s, &f.type_name, rec.body, mode)),
                _ if mode == Mode::Prost && f.implicit && is_negative_zero(f.ty, rec.body) => {
                    continue
                }
                _ => rec.raw.to_vec(),
            }
        };
        items.push(Item {
            position,
            map_key,
            bytes,
        });
    }
    if mode == Mode::Prost {
        items.sort_by_key(|i| i.position); // stable
    }
    // Sort each run of entries of one map by key.
    let mut i = 0;
    while i < items.len() {
        let Some((number, _)) = items[i].map_key else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < items.len() && items[j].map_key.as_ref().is_some_and(|k| k.0 == number) {
            j += 1;
        }
        items[i..j].sort_by(|a, b| {
            a.map_key
                .as_ref()
                .unwrap()
                .1
                .cmp(&b.map_key.as_ref().unwrap().1)
        });
        i = j;
    }
    items.into_iter().flat_map(|i| i.bytes).collect()
}

/// A map entry's key (for ordering) and its normalised payload.
fn normalize_entry(
    s: &Schema,
    key: &Field,
    value: &Field,
    payload: &[u8],
    mode: Mode,
) -> (KeyOrd, Vec<u8>) {
    let records = parse(payload);
    let last = |number: u32, ty: Type| {
        records
            .iter()
            .rev()
            .find(|r| r.number == number && r.wt == wire_type(ty))
    };
    let k = last(1, key.ty);
    let v = last(2, value.ty);
    let mut out = Vec::new();
    if let Some(k) = k {
        if !(mode == Mode::Prost && is_default(key.ty, k.body)) {
            out.extend_from_slice(k.raw);
        }
    }
    if let Some(v) = v {
        if value.ty == Type::Message {
            let body = normalize(s, &value.type_name, v.body, mode);
            if !(mode == Mode::Prost && prost_default_message(s, &value.type_name, &body)) {
                out.extend_from_slice(&len_record(2, &body));
            }
        } else if !(mode == Mode::Prost && is_default(value.ty, v.body)) {
            out.extend_from_slice(v.raw);
        }
    }
    (key_ord(key.ty, k.map(|k| k.body)), out)
}

/// The records of `bytes` that are not fields of `name`, their tags made canonical.
fn unknown_records(s: &Schema, name: &str, bytes: &[u8]) -> Vec<Vec<u8>> {
    let msg = &s.msgs[name];
    parse(bytes)
        .into_iter()
        .filter(|r| {
            !msg.field(r.number)
                .is_some_and(|f| wire_type_matches(f, r.wt))
        })
        .map(|r| {
            let mut rest = r.raw;
            read_varint(&mut rest);
            let mut out = Vec::new();
            put_tag(&mut out, r.number, r.wt);
            out.extend_from_slice(rest);
            out
        })
        .collect()
}

/// Whether prost sees the (normalised) message `body` as equal to the default message:
/// no field set but proto2 `required` ones holding zero or empty values (prost models
/// those as plain values, not `Option`s).
fn prost_default_message(s: &Schema, name: &str, body: &[u8]) -> bool {
    let msg = &s.msgs[name];
    parse(body).iter().all(|r| {
        msg.field(r.number).is_some_and(|f| {
            f.required
                && wire_type_matches(f, r.wt)
                && f.ty != Type::Message
                && f.ty != Type::Group
                && is_default(f.ty, r.body)
        })
    })
}

/// Whether rsfast's encoding `bytes` has a map value of a message type with required
/// fields that prost drops as default (see [`prost_default_message`]): prost then writes
/// the entry without its value, which stands for an uninitialized message, so rsfast (as
/// protoc would) rejects prost's encoding. A prost limitation, not an rsfast bug.
fn prost_drops_required_map_value(s: &Schema, name: &str, bytes: &[u8]) -> bool {
    let msg = &s.msgs[name];
    parse(bytes).iter().any(|rec| {
        let Some(f) = msg
            .field(rec.number)
            .filter(|f| wire_type_matches(f, rec.wt))
        else {
            return false;
        };
        if let Some(kv) = &f.map {
            let value = &kv.1;
            value.ty == Type::Message
                && parse(rec.body).iter().any(|r| {
                    r.number == 2
                        && r.wt == WT_LEN
                        && (prost_drops_required_map_value(s, &value.type_name, r.body)
                            || (s.msgs[&value.type_name].has_required()
                                && prost_default_message(
                                    s,
                                    &value.type_name,
                                    &normalize(s, &value.type_name, r.body, Mode::Prost),
                                )))
                })
        } else {
            matches!(f.ty, Type::Message | Type::Group)
                && prost_drops_required_map_value(s, &f.type_name, rec.body)
        }
    })
}

/// rsfast writes known fields in ascending field-number order, then unknown fields (as
/// protoc's runtimes do), and every map entry as exactly `key, value`.
fn check_rsfast_order(s: &Schema, name: &str, bytes: &[u8]) -> Result<(), String> {
    let msg = &s.msgs[name];
    let mut last = 0;
    let mut unknown_seen = false;
    for rec in parse(bytes) {
        let Some(f) = msg
            .field(rec.number)
            .filter(|f| wire_type_matches(f, rec.wt))
        else {
            unknown_seen = true;
            continue;
        };
        if unknown_seen || rec.number < last {
            return Err(format!(
                "{name}: field {} ({}) written after field {last}{}",
                rec.number,
                f.name,
                if unknown_seen {
                    " and after unknown fields"
                } else {
                    ""
                }
            ));
        }
        last = rec.number;
        if let Some(kv) = &f.map {
            let entry = parse(rec.body);
            let numbers: Vec<u32> = entry.iter().map(|r| r.number).collect();
            if numbers != [1, 2] {
                return Err(format!(
                    "{name}.{}: map entry with fields {numbers:?}",
                    f.name
                ));
            }
            if kv.1.ty == Type::Message {
                check_rsfast_order(s, &kv.1.type_name, entry[1].body)?;
            }
        } else if matches!(f.ty, Type::Message | Type::Group) {
            check_rsfast_order(s, &f.type_name, rec.body)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The checks.

/// Holds unless `x` contains a NaN.
fn reflexive<T: PartialEq>(x: &T) -> bool {
    let y = x;
    x == y
}

/// Equality of prost messages, three ways: their encodings (bit-exact floats, NaN
/// payloads included), their `Debug` output (deterministic with `BTreeMap`s; it tells `-0.0`
/// from `0.0`, which prost's encoder does not write for implicit-presence fields) and,
/// without NaN, `PartialEq`.
fn assert_prost_eq<P: prost::Message + PartialEq + Debug>(what: &str, a: &P, b: &P) {
    let (ea, eb) = (a.encode_to_vec(), b.encode_to_vec());
    let (da, db) = (format!("{a:?}"), format!("{b:?}"));
    assert!(da == db, "{what}: prost messages differ\n{da}\n{db}");
    assert!(
        ea == eb,
        "{what}: prost encodings differ\n  {}\n  {}\n{a:?}\n{b:?}",
        hex(&ea),
        hex(&eb)
    );
    if reflexive(a) {
        assert!(a == b, "{what}: prost messages differ\n{a:?}\n{b:?}");
    }
}

fn assert_rsfast_eq<R: rsfast::Message + PartialEq + Debug>(
    s: &Schema,
    name: &str,
    what: &str,
    a: &R,
    b: &R,
) {
    let ea = normalize(s, name, &a.encode_to_vec(), Mode::Canonical);
    let eb = normalize(s, name, &b.encode_to_vec(), Mode::Canonical);
    assert!(
        ea == eb,
        "{what}: rsfast encodings differ\n  {}\n  {}\n{a:?}\n{b:?}",
        hex(&ea),
        hex(&eb)
    );
    if reflexive(a) {
        assert!(a == b, "{what}: rsfast messages differ\n{a:?}\n{b:?}");
    }
}

fn contains_maps(s: &Schema, name: &str, seen: &mut Vec<String>) -> bool {
    if seen.iter().any(|n| n == name) {
        return false;
    }
    seen.push(name.to_string());
    s.msgs[name].fields.iter().any(|f| {
        f.map.is_some()
            || (matches!(f.ty, Type::Message | Type::Group) && contains_maps(s, &f.type_name, seen))
    })
}

#[derive(Default, Debug)]
struct Stats {
    samples: u64,
    input_bytes: u64,
    /// rsfast's and prost's encodings equal with no normalisation at all.
    strict: u64,
    /// Samples whose message holds a NaN somewhere (compared by encodings only).
    nan: u64,
    /// Samples where prost's encoding drops a required-field map value (rsfast rejects it).
    prost_dropped_required: u64,
}

fn check<R, P>(s: &Schema, name: &str, input: &[u8], split: usize, stats: &mut Stats)
where
    R: rsfast::Message + PartialEq + Debug + Clone,
    P: prost::Message + Default + PartialEq + Debug,
{
    // a) Both decode the input.
    let r = <R as rsfast::Message>::decode(input).unwrap_or_else(|e| panic!("rsfast decode: {e}"));
    let p = <P as prost::Message>::decode(input).unwrap_or_else(|e| panic!("prost decode: {e}"));
    let r_bytes = rsfast::Message::encode_to_vec(&r);
    let p_bytes = prost::Message::encode_to_vec(&p);
    assert_eq!(
        rsfast::Message::encoded_len(&r),
        r_bytes.len(),
        "rsfast encoded_len"
    );
    assert_eq!(
        prost::Message::encoded_len(&p),
        p_bytes.len(),
        "prost encoded_len"
    );

    // b) rsfast -> prost.
    let p2 = <P as prost::Message>::decode(r_bytes.as_slice())
        .unwrap_or_else(|e| panic!("prost decode of rsfast's encoding {}: {e}", hex(&r_bytes)));
    assert_prost_eq("prost(rsfast(input)) vs prost(input)", &p2, &p);

    // d) rsfast's bytes against prost's.
    if let Err(e) = check_rsfast_order(s, name, &r_bytes) {
        panic!(
            "rsfast encoding out of canonical order: {e}\n  {}",
            hex(&r_bytes)
        );
    }
    let r_as_prost = normalize(s, name, &r_bytes, Mode::Prost);
    assert!(
        r_as_prost == p_bytes,
        "normalised rsfast encoding vs prost encoding\n  rsfast     {}\n  normalised {}\n  prost      {}",
        hex(&r_bytes),
        hex(&r_as_prost),
        hex(&p_bytes)
    );
    if r_as_prost == r_bytes {
        assert_eq!(r_bytes, p_bytes);
        stats.strict += 1;
    }

    // c) prost -> rsfast.
    let r2 = match <R as rsfast::Message>::decode(&p_bytes) {
        Ok(r2) => Some(r2),
        Err(e) if prost_drops_required_map_value(s, name, &r_bytes) => {
            assert_eq!(
                e.kind(),
                &rsfast::DecodeErrorKind::MissingRequiredField,
                "{e}"
            );
            stats.prost_dropped_required += 1;
            None
        }
        Err(e) => panic!("rsfast decode of prost's encoding {}: {e}", hex(&p_bytes)),
    };
    if let Some(r2) = r2 {
        check_prost_to_rsfast::<R, P>(s, name, &r2, &p_bytes, &r_as_prost);
    }

    // e) rsfast on its own.
    // e) rsfast on its own. Unknown fields of the input are kept, in order (the nested
    // ones are covered when the nested types are tested on their own).
    let unknown_in = unknown_records(s, name, input);
    let unknown_out = unknown_records(s, name, &r_bytes);
    assert!(
        unknown_in == unknown_out,
        "rsfast unknown fields: expected {}, got {}",
        hex(&unknown_in.concat()),
        hex(&unknown_out.concat())
    );
    let r3 = <R as rsfast::Message>::decode(&r_bytes).expect("rsfast decode of its own encoding");
    assert_rsfast_eq(s, name, "rsfast(rsfast(input)) vs rsfast(input)", &r3, &r);
    let r3_bytes = rsfast::Message::encode_to_vec(&r3);
    if !contains_maps(s, name, &mut Vec::new()) {
        assert_eq!(r3_bytes, r_bytes, "rsfast encoding not stable");
    }
    // Decoding in two pieces (split at a record boundary) merges to the same message.
    let (b1, b2) = input.split_at(split);
    let mut rm = R::default();
    rsfast::Message::merge_from(&mut rm, &mut rsfast::Reader::new(b1), 0)
        .expect("rsfast merge_from");
    rsfast::Message::merge(&mut rm, b2).expect("rsfast merge");
    assert_rsfast_eq(s, name, "rsfast decode in two pieces", &rm, &r);
    let mut pm = <P as prost::Message>::decode(b1).expect("prost decode");
    prost::Message::merge(&mut pm, b2).expect("prost merge");
    assert_prost_eq("prost decode in two pieces", &pm, &p);
    let mut rc = r.clone();
    rsfast::Message::clear(&mut rc);
    assert_eq!(rc, R::default(), "rsfast clear");
    assert_eq!(rsfast::Message::encoded_len(&rc), 0);

    stats.samples += 1;
    stats.input_bytes += input.len() as u64;
    stats.nan += u64::from(!reflexive(&r));
}

/// c) rsfast decoded prost's encoding `p_bytes` to `r2`: prost decodes `r2` back to what
/// it decodes from its own encoding, and `r2` is what rsfast decodes from its own encoding
/// once normalised to prost's (`r_as_prost`: unknown fields and implicit `-0.0` dropped).
fn check_prost_to_rsfast<R, P>(s: &Schema, name: &str, r2: &R, p_bytes: &[u8], r_as_prost: &[u8])
where
    R: rsfast::Message + PartialEq + Debug,
    P: prost::Message + Default + PartialEq + Debug,
{
    let r2_bytes = rsfast::Message::encode_to_vec(r2);
    let p3 = <P as prost::Message>::decode(r2_bytes.as_slice()).expect("prost decode");
    // Against prost's own round trip: its encoder drops implicit `-0.0`.
    let p_again = <P as prost::Message>::decode(p_bytes).expect("prost decode");
    assert_prost_eq(
        "prost(rsfast(prost(input))) vs prost(prost(input))",
        &p3,
        &p_again,
    );
    let r_stripped = <R as rsfast::Message>::decode(r_as_prost).expect("rsfast decode");
    assert_rsfast_eq(
        s,
        name,
        "rsfast(prost(input)) vs rsfast(input) without unknown fields",
        r2,
        &r_stripped,
    );
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run<R, P>(name: &str)
where
    R: rsfast::Message + PartialEq + Debug + Clone,
    P: prost::Message + Default + PartialEq + Debug,
{
    let s = schema();
    let iters = env_u64("RSFAST_DIFF_ITERS", DEFAULT_ITERS);
    let base = env_u64("RSFAST_DIFF_SEED", 0);
    let name_hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let known = KNOWN_FAILURES.iter().find(|(n, _)| *n == name);
    let mut stats = Stats::default();
    let mut failures = 0;
    for i in 0..iters {
        let seed = base ^ name_hash ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let mut gen = Gen::new(s, seed);
        let depth = gen.rng.below(MAX_DEPTH + 1) as u32;
        let input = gen.message(name, depth);
        let boundaries = record_boundaries(&input);
        let split = gen.rng.pick(&boundaries);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            check::<R, P>(s, name, &input, split, &mut stats);
        }));
        if let Err(e) = result {
            failures += 1;
            eprintln!(
                "differential failure: {name}, seed {seed:#x} (iteration {i}), input ({} bytes): {}",
                input.len(),
                hex(&input)
            );
            let small = shrink::<R, P>(s, name, &input);
            eprintln!(
                "shrunk input for {name} ({} bytes): {}",
                small.len(),
                hex(&small)
            );
            let mut ignored = Stats::default();
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                check::<R, P>(s, name, &small, small.len(), &mut ignored);
            }));
            if known.is_none() {
                panic::resume_unwind(e);
            }
        }
    }
    eprintln!("{name}: {stats:?}");
    if let Some((_, why)) = known {
        eprintln!("{name}: KNOWN FAILURE ({why}): {failures} of {iters} inputs failed");
    }
}

/// Offsets of the top-level record boundaries of `input`, both ends included.
fn record_boundaries(input: &[u8]) -> Vec<usize> {
    let mut out = vec![0];
    let mut buf = input;
    while !buf.is_empty() {
        parse_record(&mut buf);
        out.push(input.len() - buf.len());
    }
    out
}

/// Greedily deletes records (at any depth of known messages) while the input, still
/// decoded by both, keeps failing.
fn shrink<R, P>(s: &Schema, name: &str, input: &[u8]) -> Vec<u8>
where
    R: rsfast::Message + PartialEq + Debug + Clone,
    P: prost::Message + Default + PartialEq + Debug,
{
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let fails = |bytes: &[u8]| {
        <R as rsfast::Message>::decode(bytes).is_ok()
            && <P as prost::Message>::decode(bytes).is_ok()
            && panic::catch_unwind(AssertUnwindSafe(|| {
                check::<R, P>(s, name, bytes, bytes.len(), &mut Stats::default());
            }))
            .is_err()
    };
    let mut current = input.to_vec();
    'outer: loop {
        for candidate in deletions(s, name, &current) {
            if fails(&candidate) {
                current = candidate;
                continue 'outer;
            }
        }
        break;
    }
    panic::set_hook(hook);
    current
}

/// `bytes` with one record deleted, for every record of every known nested message.
fn deletions(s: &Schema, name: &str, bytes: &[u8]) -> Vec<Vec<u8>> {
    let msg = &s.msgs[name];
    let records = parse(bytes);
    let mut out = Vec::new();
    let rebuild = |i: usize, replacement: &[u8]| {
        let mut v = Vec::new();
        for (j, r) in records.iter().enumerate() {
            v.extend_from_slice(if i == j { replacement } else { r.raw });
        }
        v
    };
    for (i, rec) in records.iter().enumerate() {
        out.push(rebuild(i, &[]));
        let Some(f) = msg
            .field(rec.number)
            .filter(|f| wire_type_matches(f, rec.wt))
        else {
            continue;
        };
        let inner = match (&f.map, f.ty) {
            (Some(_), _) => continue,
            (None, Type::Message) if rec.wt == WT_LEN => deletions(s, &f.type_name, rec.body)
                .into_iter()
                .map(|b| len_record(f.number, &b))
                .collect(),
            (None, Type::Group) => deletions(s, &f.type_name, rec.body)
                .into_iter()
                .map(|b| group_record(f.number, &b))
                .collect(),
            _ => Vec::new(),
        };
        out.extend(inner.iter().map(|r| rebuild(i, r)));
    }
    out
}

// ---------------------------------------------------------------------------------------
// String modes: `String` against `rsfast::BytesString` on the same inputs.

mod string_modes {
    use super::*;
    use rsfast::bytes::Bytes;
    use rsfast_tests::{rsfast_json_bytes, slick_gen};

    macro_rules! string_mode_tests {
        ($($test:ident: $full:literal => $($seg:ident)::+;)*) => {
            /// Every message type tested, by full name.
            const COVERED: &[&str] = &[$($full),*];
            $(
                #[test]
                fn $test() {
                    run_modes::<slick_gen::$($seg)::+, rsfast_json_bytes::$($seg)::+>($full);
                }
            )*
        };
    }

    string_mode_tests! {
        scalars: "rsfast.test.Scalars" => rsfast::test::Scalars;
        optionals: "rsfast.test.Optionals" => rsfast::test::Optionals;
        repeated: "rsfast.test.Repeated" => rsfast::test::Repeated;
        repeated_nested: "rsfast.test.Repeated.Nested" => rsfast::test::repeated::Nested;
        maps: "rsfast.test.Maps" => rsfast::test::Maps;
        oneofs: "rsfast.test.Oneofs" => rsfast::test::Oneofs;
        tree: "rsfast.test.Tree" => rsfast::test::Tree;
        ping: "rsfast.test.Ping" => rsfast::test::Ping;
        pong: "rsfast.test.Pong" => rsfast::test::Pong;
        keywords: "rsfast.test.Keywords" => rsfast::test::Keywords;
        outer: "rsfast.test.Outer" => rsfast::test::Outer;
        outer_middle: "rsfast.test.Outer.Middle" => rsfast::test::outer::Middle;
        outer_middle_inner: "rsfast.test.Outer.Middle.Inner" => rsfast::test::outer::middle::Inner;
        documented: "rsfast.test.Documented" => rsfast::test::Documented;
        empty: "rsfast.test.Empty" => rsfast::test::Empty;
        other_point: "rsfast.test.other.Point" => rsfast::test::other::Point;
        defaults: "rsfast.test2.Defaults" => rsfast::test2::Defaults;
        required: "rsfast.test2.Required" => rsfast::test2::Required;
        has_required: "rsfast.test2.HasRequired" => rsfast::test2::HasRequired;
        groups: "rsfast.test2.Groups" => rsfast::test2::Groups;
        groups_data: "rsfast.test2.Groups.Data" => rsfast::test2::groups::Data;
        groups_item: "rsfast.test2.Groups.Item" => rsfast::test2::groups::Item;
        closed: "rsfast.test2.Closed" => rsfast::test2::Closed;
        packed: "rsfast.test2.Packed" => rsfast::test2::Packed;
        extendable: "rsfast.test2.Extendable" => rsfast::test2::Extendable;
        ext_group: "rsfast.test2.ExtGroup" => rsfast::test2::ExtGroup;
        extension_holder: "rsfast.test2.ExtensionHolder" => rsfast::test2::ExtensionHolder;
    }

    #[test]
    fn every_message_type_of_the_protos_is_covered() {
        let mut expected: Vec<&str> = super::COVERED
            .iter()
            .copied()
            .filter(|n| !n.starts_with("grpc."))
            .collect();
        expected.sort_unstable();
        let mut covered = COVERED.to_vec();
        covered.sort_unstable();
        assert_eq!(expected, covered);
    }

    fn run_modes<S, Z>(name: &str)
    where
        S: rsfast::Message + PartialEq + Debug,
        Z: rsfast::Message + PartialEq + Debug,
    {
        let s = schema();
        let iters = env_u64("RSFAST_DIFF_ITERS", DEFAULT_ITERS);
        let base = env_u64("RSFAST_DIFF_SEED", 0) ^ 0x0057_524d_4f44_4553;
        for i in 0..iters {
            let seed = base ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93);
            let mut gen = Gen::new(s, seed);
            let depth = gen.rng.below(MAX_DEPTH + 1) as u32;
            let input = gen.message(name, depth);
            let boundaries = record_boundaries(&input);
            let split = gen.rng.pick(&boundaries);
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                check_modes::<S, Z>(s, name, &input, split);
            }));
            if let Err(e) = result {
                eprintln!(
                    "string modes differ: {name}, seed {seed:#x} (iteration {i}), input ({} bytes): {}",
                    input.len(),
                    hex(&input)
                );
                panic::resume_unwind(e);
            }
        }
    }

    /// `S` (String) and `Z` (BytesString) agree on `input`: both decode it (`Z` from a
    /// slice, from a `Bytes`, and from a `Bytes` in two pieces) to messages of the same
    /// length and canonical encoding, and each decodes the other's encoding back.
    fn check_modes<S, Z>(s: &Schema, name: &str, input: &[u8], split: usize)
    where
        S: rsfast::Message + PartialEq + Debug,
        Z: rsfast::Message + PartialEq + Debug,
    {
        let shared = Bytes::copy_from_slice(input);
        let owned = S::decode(input).unwrap_or_else(|e| panic!("String decode: {e}"));
        let zero_copy = Z::decode_bytes(&shared).unwrap_or_else(|e| panic!("decode_bytes: {e}"));
        let copied = Z::decode(input).unwrap_or_else(|e| panic!("BytesString decode: {e}"));
        assert_rsfast_eq(s, name, "decode_bytes vs decode", &zero_copy, &copied);
        // In two pieces: the first may lack required fields the second holds.
        let mut pieces = Z::default();
        let head = shared.slice(..split);
        pieces
            .merge_from(&mut rsfast::Reader::new_shared(&head), 0)
            .and_then(|()| pieces.merge_bytes(&shared.slice(split..)))
            .unwrap_or_else(|e| panic!("merge_bytes in two pieces at {split}: {e}"));
        assert_rsfast_eq(s, name, "merge_bytes in two pieces", &pieces, &zero_copy);

        assert_eq!(owned.encoded_len(), zero_copy.encoded_len(), "encoded_len");
        let owned_bytes = owned.encode_to_vec();
        let zero_copy_bytes = zero_copy.encode_to_vec();
        assert_eq!(
            normalize(s, name, &owned_bytes, Mode::Canonical),
            normalize(s, name, &zero_copy_bytes, Mode::Canonical),
            "String and BytesString encodings differ"
        );
        let back = S::decode(&zero_copy_bytes).unwrap_or_else(|e| panic!("String decode: {e}"));
        assert_rsfast_eq(s, name, "String from BytesString's encoding", &back, &owned);
        let there = Z::decode_bytes(&Bytes::from(owned_bytes))
            .unwrap_or_else(|e| panic!("decode_bytes: {e}"));
        assert_rsfast_eq(
            s,
            name,
            "BytesString from String's encoding",
            &there,
            &zero_copy,
        );
    }
}
