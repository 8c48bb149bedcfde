//! Runs the example binary: the build.rs path works end to end.

#[test]
fn echo_roundtrip_encodes_and_decodes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_echo-roundtrip"))
        .arg("ping ✓")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    // 1 tag byte + 1 length byte + 8 UTF-8 bytes.
    assert!(stdout.contains("encodes to 10 bytes"), "{stdout}");
    assert!(stdout.contains(r#"message: "ping ✓""#), "{stdout}");
}
