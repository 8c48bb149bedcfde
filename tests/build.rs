//! Compiles the test protos with prost-build (through protox: no protoc needed), for the
//! differential tests. The rsfast side uses the checked-in golden files.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "../proto/test/types3.proto",
        "../proto/test/types2.proto",
        "../proto/echo.proto",
    ];
    let fds = protox::compile(protos, ["../proto"])?;
    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    // prost turns indented comment lines into doc tests that do not compile (the test
    // protos have some on purpose: rsfast's output must not run them).
    config.disable_comments(["."]);
    config.compile_fds(fds)?;
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-changed=../proto/test/other.proto");
    Ok(())
}
