//! rsfast's own descriptor types read what protoc writes and write it back byte for byte
//! (their freshness is checked in `golden.rs`).

mod common;

use protoc_gen_rsfast::descriptor::FileDescriptorSet;
use rsfast::Message;

#[test]
fn descriptor_set_from_protoc_re_encodes_byte_for_byte() {
    let protos = [
        "google/protobuf/descriptor.proto",
        "google/protobuf/compiler/plugin.proto",
        "test/editions.proto",
        "test/types2.proto",
    ];
    let set = common::protoc_descriptor_set(&protos, &[common::proto_dir()]);
    let bytes = set.encode_to_vec();
    assert_eq!(bytes.len(), set.encoded_len());
    // protoc's own encoding, decoded by rsfast's types and re-encoded, is unchanged.
    let again = FileDescriptorSet::decode(&bytes).unwrap();
    assert_eq!(again, set);
    assert_eq!(again.encode_to_vec(), bytes);
}
