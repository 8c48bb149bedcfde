//! Serves `grpc.examples.echo.Echo` (unary, server streaming, client streaming and
//! bidirectional streaming) through tonic with rsfast messages, over plaintext, TLS or
//! mutual TLS, with gRPC health checking and server reflection.
//!
//! `cargo run -p rsfast-examples --bin echo-server -- --addr 127.0.0.1:50051`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use rsfast_examples::discovery;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::server::{tls_config, EchoService};
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;

/// Serves the Echo service (grpc.examples.echo.Echo): every method answers with the
/// messages it receives. Prints the address it listens on, then one line per call.
#[derive(Parser, Debug)]
#[command(name = "echo-server")]
struct Args {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Serve over TLS with this certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM), and verify them: mutual TLS.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut server = Server::builder();
    let mode = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            server = server.tls_config(tls_config(cert, key, args.client_ca.as_deref())?)?;
            if args.client_ca.is_some() {
                "mutual TLS"
            } else {
                "TLS"
            }
        }
        _ => "plaintext",
    };
    // Health checking and reflection, so that standard tools can find the service.
    let (_health_reporter, health) = discovery::health().await;
    let router = server
        .add_service(EchoServer::new(EchoService))
        .add_service(health)
        .add_service(discovery::reflection_v1()?)
        .add_service(discovery::reflection_v1alpha()?);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    println!("echo-server listening on {addr} ({mode})");
    router
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    println!("echo-server: shut down");
    Ok(())
}
