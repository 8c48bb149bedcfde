//! Google's benchmark messages generated with the `tests` and `benches` options:
//! `cargo test -p rsfast-benchgen` runs the generated round-trip tests of every message,
//! `cargo bench -p rsfast-benchgen` the generated benchmarks (`benches/generated.rs`).
#![deny(warnings)]

pub mod benchmarks {
    rsfast::include_proto!("benchmarks");
    pub mod proto2 {
        rsfast::include_proto!("benchmarks.proto2");
    }
    pub mod proto3 {
        rsfast::include_proto!("benchmarks.proto3");
    }
}
