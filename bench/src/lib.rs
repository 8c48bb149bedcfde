//! Benchmark support: the code every compared library generates for the same protos
//! (see `build.rs`), the datasets, and one small trait, [`Codec`], that puts the five
//! measured operations of each library behind the same names.
//!
//! The benches (`benches/throughput.rs`, `benches/depth.rs`), the allocation counter
//! (`src/bin/alloc-count.rs`) and the report writer (`src/bin/bench-summary.rs`) all
//! walk the same workload list, [`for_each_workload`].
#![deny(warnings)]

use std::path::PathBuf;

use bytes::Bytes;

/// rsfast's generated code (`protoc_gen_rsfast::Config::compile`), one module per package.
pub mod rsfast_gen {
    /// `benchmarks`: the dataset container.
    pub mod benchmarks {
        include!(concat!(env!("OUT_DIR"), "/rsfast/benchmarks.rs"));
        /// `benchmarks.proto2`: GoogleMessage1 (proto2) and GoogleMessage2.
        pub mod proto2 {
            include!(concat!(env!("OUT_DIR"), "/rsfast/benchmarks.proto2.rs"));
        }
        /// `benchmarks.proto3`: GoogleMessage1 (proto3).
        pub mod proto3 {
            include!(concat!(env!("OUT_DIR"), "/rsfast/benchmarks.proto3.rs"));
        }
    }
    /// `bench`: buffa's eight shapes.
    pub mod bench {
        include!(concat!(env!("OUT_DIR"), "/rsfast/bench.rs"));
    }
    /// `depth`: the nesting chain.
    pub mod depth {
        include!(concat!(env!("OUT_DIR"), "/rsfast/depth.rs"));
    }
}

/// rsfast's generated code in its zero-copy mode (`bytes=bytes,string=bytes`: `bytes`
/// fields are `bytes::Bytes` and strings `rsfast::BytesString`, slices of the input when
/// decoded with `Message::decode_bytes`).
pub mod rsfast_bytes_gen {
    /// `benchmarks`: the dataset container.
    pub mod benchmarks {
        include!(concat!(env!("OUT_DIR"), "/rsfast_bytes/benchmarks.rs"));
        /// `benchmarks.proto2`: GoogleMessage1 (proto2) and GoogleMessage2.
        pub mod proto2 {
            include!(concat!(
                env!("OUT_DIR"),
                "/rsfast_bytes/benchmarks.proto2.rs"
            ));
        }
        /// `benchmarks.proto3`: GoogleMessage1 (proto3).
        pub mod proto3 {
            include!(concat!(
                env!("OUT_DIR"),
                "/rsfast_bytes/benchmarks.proto3.rs"
            ));
        }
    }
    /// `bench`: buffa's eight shapes.
    pub mod bench {
        include!(concat!(env!("OUT_DIR"), "/rsfast_bytes/bench.rs"));
    }
    /// `depth`: the nesting chain.
    pub mod depth {
        include!(concat!(env!("OUT_DIR"), "/rsfast_bytes/depth.rs"));
    }
}

/// prost's generated code (`prost_build::Config::compile_fds`).
#[allow(missing_debug_implementations, clippy::all)]
pub mod prost_gen {
    /// `benchmarks`
    pub mod benchmarks {
        include!(concat!(env!("OUT_DIR"), "/prost/benchmarks.rs"));
        /// `benchmarks.proto2`
        pub mod proto2 {
            include!(concat!(env!("OUT_DIR"), "/prost/benchmarks.proto2.rs"));
        }
        /// `benchmarks.proto3`, with pbjson's serde impls
        pub mod proto3 {
            include!(concat!(env!("OUT_DIR"), "/prost/benchmarks.proto3.rs"));
            include!(concat!(
                env!("OUT_DIR"),
                "/prost/benchmarks.proto3.serde.rs"
            ));
        }
    }
    /// `bench`, with pbjson's serde impls
    pub mod bench {
        include!(concat!(env!("OUT_DIR"), "/prost/bench.rs"));
        include!(concat!(env!("OUT_DIR"), "/prost/bench.serde.rs"));
    }
    /// `depth`
    pub mod depth {
        include!(concat!(env!("OUT_DIR"), "/prost/depth.rs"));
    }
}

/// buffa's generated code (`buffa_build`, from protox's descriptor set).
#[allow(missing_debug_implementations, missing_docs, warnings, clippy::all)]
pub mod buffa_gen {
    include!(concat!(env!("OUT_DIR"), "/buffa/mod.rs"));
}

/// rust-protobuf 3's generated code (`protobuf_codegen::Codegen::pure`), one module per file.
#[allow(missing_debug_implementations, missing_docs, warnings, clippy::all)]
pub mod protobuf_gen {
    include!(concat!(env!("OUT_DIR"), "/protobuf/mod.rs"));
}

/// Google's upb-based `protobuf` crate 4.x (`protoc --rust_out`, kernel upb; feature `upb`):
/// one module per file, named as protoc names them (`<file>_proto`), its runtime renamed
/// `upb_protobuf` (see `build.rs`).
#[cfg(feature = "upb")]
#[allow(missing_debug_implementations, missing_docs, warnings, clippy::all)]
pub mod upb_gen {
    include!(concat!(env!("OUT_DIR"), "/upb/mod.rs"));
}

/// The libraries compared, in report order.
/// The libraries compared, in report order: rsfast in its default mode, the peers, then
/// rsfast's zero-copy mode.
pub const LIBRARIES: [&str; 6] = [
    "rsfast",
    "prost",
    "buffa",
    "rust-protobuf",
    "upb",
    RSFAST_BYTES,
];

/// rsfast's zero-copy mode, a separate entry of [`LIBRARIES`]: the code generated with
/// `bytes=bytes,string=bytes` ([`rsfast_bytes_gen`]), decoding with
/// `Message::decode_bytes` from the payload's `Bytes`, so that its `bytes` and `string`
/// fields share the payload's memory. "rsfast" is the default mode (owned `Vec<u8>` and
/// `String` fields).
pub const RSFAST_BYTES: &str = "rsfast Bytes";

/// The five operations measured for each workload and library.
pub const OPERATIONS: [(&str, &str); 5] = [
    ("decode", "decode into a fresh owned message, then drop it"),
    ("merge_reuse", "merge into a reused, cleared message"),
    (
        "encode_to_vec",
        "encode to a new Vec, size computation included",
    ),
    (
        "encode_reuse",
        "encode into a reused buffer: clear + encode",
    ),
    ("encoded_len", "encoded size alone"),
];

/// One library's generated message type, behind the operations the benchmarks measure.
/// Panics on a decode error: the datasets are valid.
pub trait Codec: Default + PartialEq + 'static {
    /// Decodes `buf` into a fresh message.
    fn decode_new(buf: &[u8]) -> Self;
    /// Merges `buf` into `self`.
    fn merge_in(&mut self, buf: &[u8]);
    /// Decodes a payload as the benchmarks hold it, in a `bytes::Bytes` (see
    /// [`Dataset::payloads`]). By default as a slice ([`Codec::decode_new`]); rsfast's
    /// zero-copy mode shares the `Bytes` instead.
    #[inline]
    fn decode_shared(buf: &Bytes) -> Self {
        Self::decode_new(buf)
    }
    /// Merges a payload held in a `bytes::Bytes` into `self`; see [`Codec::decode_shared`].
    #[inline]
    fn merge_shared(&mut self, buf: &Bytes) {
        self.merge_in(buf)
    }
    /// Resets `self`, keeping allocations where the library does.
    fn clear_all(&mut self);
    /// Encodes into a new vector.
    fn to_vec(&self) -> Vec<u8>;
    /// Appends the encoding to `buf`.
    fn append_to(&self, buf: &mut Vec<u8>);
    /// The encoded size.
    fn size(&self) -> usize;
    /// Why this library is left out of a workload ([`Excluded`]), or `None`.
    const EXCLUDED: Option<&'static str> = None;
    /// Why this library's `merge_reuse` is not measured, or `None`.
    const NO_MERGE_REUSE: Option<&'static str> = None;
}

/// Stands for a library left out of a workload; its operations are never called.
#[derive(Debug, Default, PartialEq)]
pub struct Excluded;

/// Why rust-protobuf is left out of GoogleMessage2.
pub const PROTOBUF_GROUPS: &str = "rust-protobuf 3 does not support proto2 groups: its \
    generated code skips them on decode (GoogleMessage2's `group1` is dropped, not even kept \
    as unknown fields), so it would do less work than the others and fails the round-trip check";

impl Codec for Excluded {
    fn decode_new(_: &[u8]) -> Self {
        unreachable!("excluded")
    }
    fn merge_in(&mut self, _: &[u8]) {
        unreachable!("excluded")
    }
    fn clear_all(&mut self) {
        unreachable!("excluded")
    }
    fn to_vec(&self) -> Vec<u8> {
        unreachable!("excluded")
    }
    fn append_to(&self, _: &mut Vec<u8>) {
        unreachable!("excluded")
    }
    fn size(&self) -> usize {
        unreachable!("excluded")
    }
    const EXCLUDED: Option<&'static str> = Some(PROTOBUF_GROUPS);
}

/// Stands for upb in a build without feature `upb`; its operations are never called.
#[derive(Debug, Default, PartialEq)]
pub struct NoUpb;

impl Codec for NoUpb {
    fn decode_new(_: &[u8]) -> Self {
        unreachable!("excluded")
    }
    fn merge_in(&mut self, _: &[u8]) {
        unreachable!("excluded")
    }
    fn clear_all(&mut self) {
        unreachable!("excluded")
    }
    fn to_vec(&self) -> Vec<u8> {
        unreachable!("excluded")
    }
    fn append_to(&self, _: &mut Vec<u8>) {
        unreachable!("excluded")
    }
    fn size(&self) -> usize {
        unreachable!("excluded")
    }
    const EXCLUDED: Option<&'static str> = Some(
        "rsfast-bench was built without feature `upb` (it needs protoc 36.2: see bench/README.md)",
    );
}

/// Why upb's `merge_reuse` is not measured.
pub const UPB_NO_MERGE: &str = "upb's public API has no merge from bytes: \
    `clear_and_parse` clears first, and `MergeFrom` takes a message (upb implements it as \
    encode + decode). Clearing keeps the message's arena memory, so parsing again and again \
    into one message grows its arena without bound: upb's way to reuse is a fresh message \
    per parse, which is `decode`";

/// Implements [`Codec`] for rsfast messages; `codec_rsfast!(shared: ...)` for those
/// generated in the zero-copy mode, whose measured decode and merge read the payload's
/// `Bytes` with `Message::decode_bytes` / `merge_bytes` and share it (from a slice,
/// `bytes` and `string` fields are copies).
#[macro_export]
macro_rules! codec_rsfast {
    (shared: $($t:ty),* $(,)?) => {$(
        $crate::codec_rsfast!(@impl $t {
            #[inline]
            fn decode_shared(buf: &::rsfast::bytes::Bytes) -> Self {
                <$t as ::rsfast::Message>::decode_bytes(buf).expect("rsfast decode_bytes")
            }
            #[inline]
            fn merge_shared(&mut self, buf: &::rsfast::bytes::Bytes) {
                ::rsfast::Message::merge_bytes(self, buf).expect("rsfast merge_bytes")
            }
        });
    )*};
    (@impl $t:ty { $($shared:tt)* }) => {
        impl $crate::Codec for $t {
            #[inline]
            fn decode_new(buf: &[u8]) -> Self {
                <$t as ::rsfast::Message>::decode(buf).expect("rsfast decode")
            }
            #[inline]
            fn merge_in(&mut self, buf: &[u8]) {
                ::rsfast::Message::merge(self, buf).expect("rsfast merge")
            }
            $($shared)*
            #[inline]
            fn clear_all(&mut self) {
                ::rsfast::Message::clear(self)
            }
            #[inline]
            fn to_vec(&self) -> Vec<u8> {
                ::rsfast::Message::encode_to_vec(self)
            }
            #[inline]
            fn append_to(&self, buf: &mut Vec<u8>) {
                ::rsfast::Message::encode_into_vec(self, buf)
            }
            #[inline]
            fn size(&self) -> usize {
                ::rsfast::Message::encoded_len(self)
            }
        }
    };
    ($($t:ty),* $(,)?) => {$(
        $crate::codec_rsfast!(@impl $t {});
    )*};
}

/// Implements [`Codec`] for prost messages.
#[macro_export]
macro_rules! codec_prost {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::Codec for $t {
            #[inline]
            fn decode_new(buf: &[u8]) -> Self {
                <$t as ::prost::Message>::decode(buf).expect("prost decode")
            }
            #[inline]
            fn merge_in(&mut self, buf: &[u8]) {
                ::prost::Message::merge(self, buf).expect("prost merge")
            }
            #[inline]
            fn clear_all(&mut self) {
                ::prost::Message::clear(self)
            }
            #[inline]
            fn to_vec(&self) -> Vec<u8> {
                ::prost::Message::encode_to_vec(self)
            }
            #[inline]
            fn append_to(&self, buf: &mut Vec<u8>) {
                ::prost::Message::encode(self, buf).expect("prost encode")
            }
            #[inline]
            fn size(&self) -> usize {
                ::prost::Message::encoded_len(self)
            }
        }
    )*};
}

/// Implements [`Codec`] for buffa (owned) messages.
#[macro_export]
macro_rules! codec_buffa {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::Codec for $t {
            #[inline]
            fn decode_new(buf: &[u8]) -> Self {
                <$t as ::buffa::Message>::decode_from_slice(buf).expect("buffa decode")
            }
            #[inline]
            fn merge_in(&mut self, buf: &[u8]) {
                ::buffa::Message::merge_from_slice(self, buf).expect("buffa merge")
            }
            #[inline]
            fn clear_all(&mut self) {
                ::buffa::Message::clear(self)
            }
            #[inline]
            fn to_vec(&self) -> Vec<u8> {
                ::buffa::Message::encode_to_vec(self)
            }
            #[inline]
            fn append_to(&self, buf: &mut Vec<u8>) {
                ::buffa::Message::encode(self, buf)
            }
            #[inline]
            fn size(&self) -> usize {
                ::buffa::Message::encoded_len(self) as usize
            }
        }
    )*};
}

/// Implements [`Codec`] for rust-protobuf 3 messages.
#[macro_export]
macro_rules! codec_protobuf {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::Codec for $t {
            #[inline]
            fn decode_new(buf: &[u8]) -> Self {
                <$t as ::protobuf::Message>::parse_from_bytes(buf).expect("rust-protobuf decode")
            }
            #[inline]
            fn merge_in(&mut self, buf: &[u8]) {
                ::protobuf::Message::merge_from_bytes(self, buf).expect("rust-protobuf merge")
            }
            #[inline]
            fn clear_all(&mut self) {
                ::protobuf::Message::clear(self)
            }
            #[inline]
            fn to_vec(&self) -> Vec<u8> {
                ::protobuf::Message::write_to_bytes(self).expect("rust-protobuf encode")
            }
            #[inline]
            fn append_to(&self, buf: &mut Vec<u8>) {
                ::protobuf::Message::write_to_vec(self, buf).expect("rust-protobuf encode")
            }
            #[inline]
            fn size(&self) -> usize {
                ::protobuf::Message::compute_size(self) as usize
            }
        }
    )*};
}

/// Implements [`Codec`] (and `PartialEq`, through `protobuf::message_eq`) for messages of
/// Google's upb-based `protobuf` crate. Its public API encodes only to a new `Vec`, so
/// `append_to` copies that; `merge_in` (only used by the checks) parses into a new message
/// and merges it: see [`UPB_NO_MERGE`].
#[cfg(feature = "upb")]
macro_rules! codec_upb {
    ($($t:ty),* $(,)?) => {$(
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                ::upb_protobuf::message_eq(self, other)
            }
        }
        impl $crate::Codec for $t {
            #[inline]
            fn decode_new(buf: &[u8]) -> Self {
                <$t as ::upb_protobuf::Parse>::parse(buf).expect("upb decode")
            }
            fn merge_in(&mut self, buf: &[u8]) {
                let src = <$t as ::upb_protobuf::Parse>::parse(buf).expect("upb decode");
                ::upb_protobuf::MergeFrom::merge_from(self, ::upb_protobuf::AsView::as_view(&src))
            }
            #[inline]
            fn clear_all(&mut self) {
                ::upb_protobuf::Clear::clear(self)
            }
            #[inline]
            fn to_vec(&self) -> Vec<u8> {
                ::upb_protobuf::Serialize::serialize(self).expect("upb encode")
            }
            #[inline]
            fn append_to(&self, buf: &mut Vec<u8>) {
                buf.extend_from_slice(&::upb_protobuf::Serialize::serialize(self).expect("upb encode"))
            }
            #[inline]
            fn size(&self) -> usize {
                ::upb_protobuf::Serialize::serialized_len(self)
            }
            const NO_MERGE_REUSE: Option<&'static str> = Some($crate::UPB_NO_MERGE);
        }
    )*};
}

#[cfg(feature = "upb")]
codec_upb!(
    upb_gen::benchmark_message1_proto2_proto::GoogleMessage1,
    upb_gen::benchmark_message1_proto3_proto::GoogleMessage1,
    upb_gen::benchmark_message2_proto::GoogleMessage2,
    upb_gen::shapes_bench_messages_proto::ApiResponse,
    upb_gen::shapes_bench_messages_proto::LogRecord,
    upb_gen::shapes_bench_messages_proto::AnalyticsEvent,
    upb_gen::shapes_bench_messages_proto::MediaFrame,
    upb_gen::shapes_bench_messages_proto::ColumnBatch,
    upb_gen::shapes_bench_messages_proto::TriMesh,
    upb_gen::shapes_bench_messages_proto::PackedTile,
    upb_gen::shapes_bench_messages_proto::PackedSigned,
    upb_gen::depth_proto::Node,
);

/// The upb type of each workload: the generated one with feature `upb`, else [`NoUpb`].
pub mod upb_types {
    #[cfg(feature = "upb")]
    pub use super::upb_gen::{
        benchmark_message1_proto2_proto::GoogleMessage1 as GoogleMessage1Proto2,
        benchmark_message1_proto3_proto::GoogleMessage1 as GoogleMessage1Proto3,
        benchmark_message2_proto::GoogleMessage2,
        shapes_bench_messages_proto::{
            AnalyticsEvent, ApiResponse, ColumnBatch, LogRecord, MediaFrame, PackedSigned,
            PackedTile, TriMesh,
        },
    };
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as GoogleMessage1Proto2;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as GoogleMessage1Proto3;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as GoogleMessage2;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as ApiResponse;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as LogRecord;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as AnalyticsEvent;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as MediaFrame;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as ColumnBatch;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as TriMesh;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as PackedTile;
    #[cfg(not(feature = "upb"))]
    pub use super::NoUpb as PackedSigned;
}

codec_rsfast!(
    rsfast_gen::benchmarks::proto2::GoogleMessage1,
    rsfast_gen::benchmarks::proto3::GoogleMessage1,
    rsfast_gen::benchmarks::proto2::GoogleMessage2,
    rsfast_gen::bench::ApiResponse,
    rsfast_gen::bench::LogRecord,
    rsfast_gen::bench::AnalyticsEvent,
    rsfast_gen::bench::MediaFrame,
    rsfast_gen::bench::ColumnBatch,
    rsfast_gen::bench::TriMesh,
    rsfast_gen::bench::PackedTile,
    rsfast_gen::bench::PackedSigned,
    rsfast_gen::depth::Node,
);
codec_rsfast!(
    shared:
    rsfast_bytes_gen::benchmarks::proto2::GoogleMessage1,
    rsfast_bytes_gen::benchmarks::proto3::GoogleMessage1,
    rsfast_bytes_gen::benchmarks::proto2::GoogleMessage2,
    rsfast_bytes_gen::bench::ApiResponse,
    rsfast_bytes_gen::bench::LogRecord,
    rsfast_bytes_gen::bench::AnalyticsEvent,
    rsfast_bytes_gen::bench::MediaFrame,
    rsfast_bytes_gen::bench::ColumnBatch,
    rsfast_bytes_gen::bench::TriMesh,
    rsfast_bytes_gen::bench::PackedTile,
    rsfast_bytes_gen::bench::PackedSigned,
);
codec_prost!(
    prost_gen::benchmarks::proto2::GoogleMessage1,
    prost_gen::benchmarks::proto3::GoogleMessage1,
    prost_gen::benchmarks::proto2::GoogleMessage2,
    prost_gen::bench::ApiResponse,
    prost_gen::bench::LogRecord,
    prost_gen::bench::AnalyticsEvent,
    prost_gen::bench::MediaFrame,
    prost_gen::bench::ColumnBatch,
    prost_gen::bench::TriMesh,
    prost_gen::bench::PackedTile,
    prost_gen::bench::PackedSigned,
    prost_gen::depth::Node,
);
codec_buffa!(
    buffa_gen::benchmarks::proto2::GoogleMessage1,
    buffa_gen::benchmarks::proto3::GoogleMessage1,
    buffa_gen::benchmarks::proto2::GoogleMessage2,
    buffa_gen::bench::ApiResponse,
    buffa_gen::bench::LogRecord,
    buffa_gen::bench::AnalyticsEvent,
    buffa_gen::bench::MediaFrame,
    buffa_gen::bench::ColumnBatch,
    buffa_gen::bench::TriMesh,
    buffa_gen::bench::PackedTile,
    buffa_gen::bench::PackedSigned,
    buffa_gen::depth::Node,
);
codec_protobuf!(
    protobuf_gen::benchmark_message1_proto2::GoogleMessage1,
    protobuf_gen::benchmark_message1_proto3::GoogleMessage1,
    protobuf_gen::benchmark_message2::GoogleMessage2,
    protobuf_gen::bench_messages::ApiResponse,
    protobuf_gen::bench_messages::LogRecord,
    protobuf_gen::bench_messages::AnalyticsEvent,
    protobuf_gen::bench_messages::MediaFrame,
    protobuf_gen::bench_messages::ColumnBatch,
    protobuf_gen::bench_messages::TriMesh,
    protobuf_gen::bench_messages::PackedTile,
    protobuf_gen::bench_messages::PackedSigned,
    protobuf_gen::depth::Node,
);

/// A `benchmarks.BenchmarkDataset` file, loaded (with prost, the reference).
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The dataset's own name.
    pub name: String,
    /// The full name of the payloads' message type.
    pub message_name: String,
    /// The encoded payloads, each in a `bytes::Bytes` as a network stack hands a frame over
    /// (read into a `BytesMut`, split off, frozen: already shared, so that slicing it is a
    /// reference count increment). Every library but rsfast's zero-copy mode reads them as
    /// `&[u8]`.
    pub payloads: Vec<Bytes>,
}

impl Dataset {
    /// Loads `bench/data/<file>`, checking that its payloads are of `message_name`.
    pub fn load(file: &str, message_name: &str) -> Dataset {
        let path = data_dir().join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let set = <prost_gen::benchmarks::BenchmarkDataset as prost::Message>::decode(&*bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            set.message_name,
            message_name,
            "{}: unexpected message type",
            path.display()
        );
        assert!(!set.payload.is_empty(), "{}: no payloads", path.display());
        Dataset {
            name: set.name,
            message_name: set.message_name,
            payloads: set
                .payload
                .iter()
                .map(|p| bytes::BytesMut::from(&p[..]).split().freeze())
                .collect(),
        }
    }

    /// The total size of the payloads: the bytes one benchmark iteration processes.
    pub fn total_bytes(&self) -> u64 {
        self.payloads.iter().map(|p| p.len() as u64).sum()
    }
}

/// `bench/data`.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// A workload: one dataset and the message type of each library for it.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The name used in benchmark ids and reports.
    pub name: &'static str,
    /// The dataset file under `bench/data`.
    pub file: &'static str,
    /// The payloads' message type.
    pub message_name: &'static str,
}

impl Workload {
    /// Loads the dataset.
    pub fn load(&self) -> Dataset {
        Dataset::load(self.file, self.message_name)
    }
}

/// Called by [`for_each_workload`] with each library's type for one workload.
pub trait Visit {
    /// `R`, `P`, `B`, `G`, `U`: the rsfast, prost, buffa, rust-protobuf and upb types; `RB`:
    /// rsfast's type in its zero-copy mode ([`RSFAST_BYTES`]).
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    );
}

macro_rules! workloads {
    ($v:ident; $(($name:literal, $file:literal, $msg:literal, $r:ty, $rb:ty, $p:ty, $b:ty, $g:ty, $u:ty)),* $(,)?) => {
        /// Every workload, in report order.
        pub const WORKLOADS: &[Workload] = &[$(Workload { name: $name, file: $file, message_name: $msg }),*];

        /// Calls `visitor` for every workload, in [`WORKLOADS`] order.
        pub fn for_each_workload(visitor: &mut impl Visit) {
            let mut i = 0;
            $(
                $v::<$r, $rb, $p, $b, $g, $u>(visitor, &WORKLOADS[i]);
                i += 1;
            )*
            let _ = i;
        }
    };
}

fn call<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
    visitor: &mut impl Visit,
    workload: &Workload,
) {
    visitor.visit::<R, RB, P, B, G, U>(workload);
}

workloads! {
    call;
    (
        "GoogleMessage1_proto2",
        "dataset.google_message1_proto2.pb",
        "benchmarks.proto2.GoogleMessage1",
        rsfast_gen::benchmarks::proto2::GoogleMessage1,
        rsfast_bytes_gen::benchmarks::proto2::GoogleMessage1,
        prost_gen::benchmarks::proto2::GoogleMessage1,
        buffa_gen::benchmarks::proto2::GoogleMessage1,
        protobuf_gen::benchmark_message1_proto2::GoogleMessage1,
        upb_types::GoogleMessage1Proto2
    ),
    (
        "GoogleMessage1_proto3",
        "dataset.google_message1_proto3.pb",
        "benchmarks.proto3.GoogleMessage1",
        rsfast_gen::benchmarks::proto3::GoogleMessage1,
        rsfast_bytes_gen::benchmarks::proto3::GoogleMessage1,
        prost_gen::benchmarks::proto3::GoogleMessage1,
        buffa_gen::benchmarks::proto3::GoogleMessage1,
        protobuf_gen::benchmark_message1_proto3::GoogleMessage1,
        upb_types::GoogleMessage1Proto3
    ),
    (
        "GoogleMessage2",
        "dataset.google_message2.pb",
        "benchmarks.proto2.GoogleMessage2",
        rsfast_gen::benchmarks::proto2::GoogleMessage2,
        rsfast_bytes_gen::benchmarks::proto2::GoogleMessage2,
        prost_gen::benchmarks::proto2::GoogleMessage2,
        buffa_gen::benchmarks::proto2::GoogleMessage2,
        Excluded,
        upb_types::GoogleMessage2
    ),
    (
        "ApiResponse",
        "shapes/api_response.pb",
        "bench.ApiResponse",
        rsfast_gen::bench::ApiResponse,
        rsfast_bytes_gen::bench::ApiResponse,
        prost_gen::bench::ApiResponse,
        buffa_gen::bench::ApiResponse,
        protobuf_gen::bench_messages::ApiResponse,
        upb_types::ApiResponse
    ),
    (
        "LogRecord",
        "shapes/log_record.pb",
        "bench.LogRecord",
        rsfast_gen::bench::LogRecord,
        rsfast_bytes_gen::bench::LogRecord,
        prost_gen::bench::LogRecord,
        buffa_gen::bench::LogRecord,
        protobuf_gen::bench_messages::LogRecord,
        upb_types::LogRecord
    ),
    (
        "AnalyticsEvent",
        "shapes/analytics_event.pb",
        "bench.AnalyticsEvent",
        rsfast_gen::bench::AnalyticsEvent,
        rsfast_bytes_gen::bench::AnalyticsEvent,
        prost_gen::bench::AnalyticsEvent,
        buffa_gen::bench::AnalyticsEvent,
        protobuf_gen::bench_messages::AnalyticsEvent,
        upb_types::AnalyticsEvent
    ),
    (
        "MediaFrame",
        "shapes/media_frame.pb",
        "bench.MediaFrame",
        rsfast_gen::bench::MediaFrame,
        rsfast_bytes_gen::bench::MediaFrame,
        prost_gen::bench::MediaFrame,
        buffa_gen::bench::MediaFrame,
        protobuf_gen::bench_messages::MediaFrame,
        upb_types::MediaFrame
    ),
    (
        "ColumnBatch",
        "shapes/column_batch.pb",
        "bench.ColumnBatch",
        rsfast_gen::bench::ColumnBatch,
        rsfast_bytes_gen::bench::ColumnBatch,
        prost_gen::bench::ColumnBatch,
        buffa_gen::bench::ColumnBatch,
        protobuf_gen::bench_messages::ColumnBatch,
        upb_types::ColumnBatch
    ),
    (
        "TriMesh",
        "shapes/mesh.pb",
        "bench.TriMesh",
        rsfast_gen::bench::TriMesh,
        rsfast_bytes_gen::bench::TriMesh,
        prost_gen::bench::TriMesh,
        buffa_gen::bench::TriMesh,
        protobuf_gen::bench_messages::TriMesh,
        upb_types::TriMesh
    ),
    (
        "PackedTile",
        "shapes/packed_tile.pb",
        "bench.PackedTile",
        rsfast_gen::bench::PackedTile,
        rsfast_bytes_gen::bench::PackedTile,
        prost_gen::bench::PackedTile,
        buffa_gen::bench::PackedTile,
        protobuf_gen::bench_messages::PackedTile,
        upb_types::PackedTile
    ),
    (
        "PackedSigned",
        "shapes/packed_signed.pb",
        "bench.PackedSigned",
        rsfast_gen::bench::PackedSigned,
        rsfast_bytes_gen::bench::PackedSigned,
        prost_gen::bench::PackedSigned,
        buffa_gen::bench::PackedSigned,
        protobuf_gen::bench_messages::PackedSigned,
        upb_types::PackedSigned
    ),
}

/// Decodes every payload with `M` (as measured: [`Codec::decode_shared`]) and checks
/// that: `encoded_len` agrees with the encoding, the encoding decodes back to the same
/// message, merging into a reused message gives the same message, decoding from a slice
/// gives the same message, and `P` (the reference, prost) reads `M`'s encoding as it
/// reads the payload. Returns the decoded messages.
pub fn check_roundtrip<M: Codec, P: Codec>(
    library: &str,
    workload: &Workload,
    data: &Dataset,
) -> Vec<M> {
    let mut reused = M::default();
    data.payloads
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let what = format!("{library} {}: payload {i}", workload.name);
            let m = M::decode_shared(p);
            let encoded = m.to_vec();
            assert_eq!(
                encoded.len(),
                m.size(),
                "{what}: encoded_len disagrees with encode"
            );
            assert_eq!(
                encoded.len(),
                P::decode_new(p).size(),
                "{what}: the re-encoding's size differs from the reference's"
            );
            assert!(
                M::decode_shared(&Bytes::from(encoded.clone())) == m,
                "{what}: decode(encode(m)) != m"
            );
            assert!(
                M::decode_new(p) == m,
                "{what}: decoding from a slice differs from decoding from Bytes"
            );
            let mut buf = vec![0xAA];
            m.append_to(&mut buf);
            assert!(
                buf[0] == 0xAA && buf[1..] == encoded[..],
                "{what}: append differs"
            );
            reused.clear_all();
            reused.merge_shared(p);
            assert!(reused == m, "{what}: clear+merge differs from decode");
            assert!(
                P::decode_new(&encoded) == P::decode_new(p),
                "{what}: the reference reads the re-encoding differently from the payload"
            );
            m
        })
        .collect()
}

/// Builds a chain of `depth` nested nodes (depth 1 is a single node) with `make`, which
/// gets the node's level, its value, its name and its child.
pub fn depth_chain<N>(depth: usize, mut make: impl FnMut(i64, String, Option<N>) -> N) -> N {
    let mut node = None;
    for level in (0..depth).rev() {
        node = Some(make(
            1_000_000 + level as i64,
            format!("node-{level}"),
            node,
        ));
    }
    node.expect("depth >= 1")
}

/// The depths the depth benchmark measures.
pub const DEPTHS: [usize; 7] = [1, 2, 5, 10, 20, 50, 100];

/// The depth chain for each library, built field by field.
pub mod chains {
    #[cfg(feature = "upb")]
    use super::upb_gen;
    use super::{buffa_gen, depth_chain, prost_gen, protobuf_gen, rsfast_gen};

    /// rsfast's `depth.Node` chain.
    pub fn rsfast(depth: usize) -> rsfast_gen::depth::Node {
        depth_chain(depth, |value, name, child| rsfast_gen::depth::Node {
            child: child.map(Box::new),
            value,
            name,
            ..Default::default()
        })
    }

    /// prost's `depth.Node` chain.
    pub fn prost(depth: usize) -> prost_gen::depth::Node {
        depth_chain(depth, |value, name, child| prost_gen::depth::Node {
            child: child.map(Box::new),
            value,
            name,
        })
    }

    /// buffa's `depth.Node` chain.
    pub fn buffa(depth: usize) -> buffa_gen::depth::Node {
        depth_chain(depth, |value, name, child| {
            let mut n = buffa_gen::depth::Node {
                value,
                name,
                ..Default::default()
            };
            if let Some(c) = child {
                n.child = ::buffa::MessageField::some(c);
            }
            n
        })
    }

    /// rust-protobuf's `depth.Node` chain.
    pub fn protobuf(depth: usize) -> protobuf_gen::depth::Node {
        depth_chain(depth, |value, name, child| {
            let mut n = protobuf_gen::depth::Node::new();
            n.value = value;
            n.name = name;
            if let Some(c) = child {
                n.child = ::protobuf::MessageField::some(c);
            }
            n
        })
    }

    /// upb's `depth.Node` chain.
    #[cfg(feature = "upb")]
    pub fn upb(depth: usize) -> upb_gen::depth_proto::Node {
        depth_chain(depth, |value, name, child| {
            let mut n = upb_gen::depth_proto::Node::new();
            n.set_value(value);
            n.set_name(name);
            if let Some(c) = child {
                n.set_child(c);
            }
            n
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The zero-copy mode really shares: every `bytes` field of MediaFrame decoded with
    /// `decode_shared` lies inside its payload, and the default mode's copies do not.
    #[test]
    fn rsfast_bytes_shares_the_payload() {
        let workload = WORKLOADS.iter().find(|w| w.name == "MediaFrame").unwrap();
        let data = workload.load();
        let mut shared = 0;
        for p in &data.payloads {
            let inside = |b: &[u8]| p.as_ptr_range().contains(&b.as_ptr());
            let m = <rsfast_bytes_gen::bench::MediaFrame as Codec>::decode_shared(p);
            let fields = std::iter::once(&m.body)
                .chain(&m.chunks)
                .chain(m.attachments.values())
                .filter(|b| !b.is_empty());
            for b in fields {
                assert!(inside(b), "a bytes field of rsfast Bytes is a copy");
                shared += 1;
            }
            let owned = <rsfast_gen::bench::MediaFrame as Codec>::decode_shared(p);
            assert!(
                !inside(&owned.body),
                "rsfast's default mode shares the payload"
            );
        }
        assert!(shared > data.payloads.len(), "no bytes fields to check");
    }
}
