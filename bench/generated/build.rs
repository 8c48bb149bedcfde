//! Generates Google's benchmark messages (`../data`) with the `tests` and `benches`
//! options, through `Config` (the same as `--rsfast_out=tests,benches:OUT`).

fn main() {
    let protos = [
        "../data/benchmarks.proto",
        "../data/benchmark_message1_proto2.proto",
        "../data/benchmark_message1_proto3.proto",
        "../data/benchmark_message2.proto",
    ];
    protoc_gen_rsfast::Config::new()
        .tests(true)
        .benches(true)
        .compile(&protos, &["../data"])
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
}
