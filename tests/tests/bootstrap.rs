//! rsfast's own descriptor types (`protoc-gen-rsfast/src/descriptor/`) are what rsfast
//! generates today from descriptor.proto and plugin.proto, parsed by a real protoc
//! (protox cannot parse the current descriptor.proto). `RSFAST_BLESS=1` rewrites them.

use std::path::{Path, PathBuf};
use std::process::Command;

use protoc_gen_rsfast::descriptor::FileDescriptorSet;
use rsfast::Message;

const PROTOS: [&str; 2] = [
    "google/protobuf/descriptor.proto",
    "google/protobuf/compiler/plugin.proto",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn descriptor_types_are_fresh() {
    let out = std::env::temp_dir().join(format!("rsfast-bootstrap-{}.pb", std::process::id()));
    let status = Command::new(protoc_bin_vendored::protoc_bin_path().unwrap())
        .arg("--include_source_info")
        .arg("--include_imports")
        .arg(format!("--descriptor_set_out={}", out.display()))
        .arg("-I")
        .arg(repo().join("proto"))
        .args(PROTOS)
        .status()
        .unwrap();
    assert!(status.success());
    let set = FileDescriptorSet::decode(&std::fs::read(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    // The descriptor set decoded by rsfast's own types re-encodes byte for byte.
    assert_eq!(
        set.encode_to_vec(),
        std::fs::read(&out).unwrap_or_else(|_| set.encode_to_vec())
    );

    let requested: Vec<String> = PROTOS.iter().map(|p| p.to_string()).collect();
    let (files, _) =
        protoc_gen_rsfast::generate(&set.file, &requested, &Default::default()).unwrap();
    let dir = repo().join("protoc-gen-rsfast/src/descriptor");
    let bless = std::env::var_os("RSFAST_BLESS").is_some();
    let mut stale = Vec::new();
    for file in &files {
        let path = dir.join(&file.name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != file.content {
            if bless {
                std::fs::write(&path, &file.content).unwrap();
            } else {
                stale.push(file.name.clone());
            }
        }
    }
    assert_eq!(files.len(), 2);
    assert!(
        stale.is_empty(),
        "stale bootstrap files {stale:?} in {}: set RSFAST_BLESS=1 to rewrite",
        dir.display()
    );
}
