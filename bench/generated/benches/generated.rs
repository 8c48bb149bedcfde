//! The criterion benchmarks the `benches` option wrote for Google's benchmark messages:
//! each `<package>.benches.rs` holds a `rsfast_benches` module, included next to the
//! package's code (the benchmarks refer to the messages as `super::...`).

// The benchmarks use the messages, not their getters and enum helpers.
#[allow(dead_code)]
mod benchmarks {
    rsfast::include_proto!("benchmarks");
    rsfast::include_proto!("benchmarks.benches");
    pub mod proto2 {
        rsfast::include_proto!("benchmarks.proto2");
        rsfast::include_proto!("benchmarks.proto2.benches");
    }
    pub mod proto3 {
        rsfast::include_proto!("benchmarks.proto3");
        rsfast::include_proto!("benchmarks.proto3.benches");
    }
}

criterion::criterion_group!(
    benches,
    benchmarks::proto2::rsfast_benches::benches,
    benchmarks::proto3::rsfast_benches::benches,
    benchmarks::rsfast_benches::benches,
);
criterion::criterion_main!(benches);
