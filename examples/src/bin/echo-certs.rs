//! Writes a certificate authority and a server and a client certificate signed by it
//! (with rcgen), for the TLS and mutual TLS examples: no openssl or cfssl needed.
//!
//! `cargo run -p rsfast-examples --bin echo-certs -- --out certs`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Writes ca.pem; server.pem and server.key (valid for localhost, 127.0.0.1 and mysite);
/// client.pem and client.key: both certificates signed by the CA.
#[derive(Parser, Debug)]
#[command(name = "echo-certs")]
struct Args {
    /// The directory to write to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// The names the server certificate is valid for (IP addresses become IP SANs).
const SERVER_NAMES: &[&str] = &["localhost", "127.0.0.1", "mysite"];

fn main() -> ExitCode {
    let args = Args::parse();
    match write_certs(&args.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-certs: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_certs(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "rsfast example CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca = Issuer::new(ca_params, ca_key);

    let names: Vec<String> = SERVER_NAMES.iter().map(|n| n.to_string()).collect();
    let mut server_params = CertificateParams::new(names)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate()?;
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    let mut client_params = CertificateParams::new(Vec::<String>::new())?;
    client_params
        .distinguished_name
        .push(DnType::CommonName, "rsfast example client");
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate()?;
    let client_cert = client_params.signed_by(&client_key, &ca)?;

    std::fs::create_dir_all(out)?;
    let files = [
        (
            "ca.pem",
            ca_cert.pem(),
            "the CA certificate (trusted by both sides)",
        ),
        (
            "server.pem",
            server_cert.pem(),
            "the server certificate (localhost, 127.0.0.1, mysite)",
        ),
        ("server.key", server_key.serialize_pem(), "its private key"),
        ("client.pem", client_cert.pem(), "the client certificate"),
        ("client.key", client_key.serialize_pem(), "its private key"),
    ];
    for (name, content, what) in files {
        let path = out.join(name);
        write(&path, &content, name.ends_with(".key"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}: {what}", path.display());
    }
    Ok(())
}

/// Writes a file; private keys are readable by their owner only (on Unix).
fn write(path: &Path, content: &str, private: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path)?.write_all(content.as_bytes())
}
