//! The build.rs path: compile .proto files with rsfast (pure Rust, no protoc needed) into
//! `$OUT_DIR/<package>.rs`, with tonic client and server code for the services (and, for
//! Echo, the descriptors that server reflection serves).

fn main() {
    protoc_gen_rsfast::Config::new()
        .grpc(true)
        .file_descriptor_set(true)
        .compile(&["../proto/echo.proto"], &["../proto"])
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
    // The etcd v3 API subset (KV, Watch) that the load-balancing example resolves through.
    protoc_gen_rsfast::Config::new()
        .grpc(true)
        .compile(
            &["../proto/etcd/kv.proto", "../proto/etcd/rpc.proto"],
            &["../proto"],
        )
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
    // Services over messages of other packages: compiled only by the unit tests.
    protoc_gen_rsfast::Config::new()
        .grpc(true)
        .compile(
            &["proto/demo/shapes.proto", "proto/demo/routes.proto"],
            &["proto"],
        )
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
    // pprof's profile.proto: `echo-profiling client` and its test read CPU profiles with it.
    protoc_gen_rsfast::Config::new()
        .compile(&["proto/perftools/profile.proto"], &["proto"])
        .unwrap_or_else(|e| panic!("rsfast: {e}"));
}
