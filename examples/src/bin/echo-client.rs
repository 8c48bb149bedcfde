//! Calls all four RPC kinds of `grpc.examples.echo.Echo` through tonic with rsfast
//! messages, over plaintext, TLS or mutual TLS.
//!
//! `cargo run -p rsfast-examples --bin echo-client -- --addr 127.0.0.1:50051`

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use rsfast_examples::client::{connect, echo_all, ClientTls};

/// Calls the Echo service (grpc.examples.echo.Echo) once per RPC kind and prints what
/// comes back. TLS is on when --ca is given.
#[derive(Parser, Debug)]
#[command(name = "echo-client")]
struct Args {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: String,
    /// Use TLS, trusting server certificates signed by this CA (PEM).
    #[arg(long, value_name = "PEM")]
    ca: Option<PathBuf>,
    /// Present this client certificate (PEM), for servers that require mutual TLS.
    #[arg(long, value_name = "PEM", requires_all = ["key", "ca"])]
    cert: Option<PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, value_name = "PEM", requires = "cert")]
    key: Option<PathBuf>,
    /// The name the server's certificate must be valid for (default: the host of --addr).
    #[arg(long, requires = "ca")]
    server_name: Option<String>,
    /// The message to echo.
    #[arg(long, default_value = "hello")]
    message: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let tls = args.ca.map(|ca| ClientTls {
        ca,
        identity: args.cert.zip(args.key),
        server_name: args.server_name,
    });
    let mut client = match connect(&args.addr, tls.as_ref()).await {
        Ok(client) => client,
        Err(e) => {
            // tonic's transport errors say what failed only in their sources (some of
            // which repeat their own source's text).
            let mut text = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text = format!("{text}: {cause_text}");
                }
                source = cause.source();
            }
            eprintln!("echo-client: cannot connect to {}: {text}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // Lines go out as responses arrive; a closed stdout (`| head`) is not an error.
    let print = |line: String| {
        let _ = writeln!(std::io::stdout(), "{line}");
    };
    match echo_all(&mut client, &args.message, print).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(status) => {
            eprintln!("echo-client: {status}");
            ExitCode::FAILURE
        }
    }
}
