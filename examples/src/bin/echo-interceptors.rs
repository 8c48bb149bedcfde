//! Interceptors: the server logs every call (peer address, method, metadata, messages
//! each way, status and latency) through a tower layer; the client adds `username`
//! metadata to every call through a tonic interceptor, and the server's log shows it.
//!
//! `cargo run -p rsfast-examples --bin echo-interceptors -- server`
//! `cargo run -p rsfast-examples --bin echo-interceptors -- client --username alice`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rsfast_examples::client::echo_all;
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::interceptors::{print_calls, LogLayer, UsernameInterceptor};
use rsfast_examples::server::EchoService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};

/// The Echo service with every call logged (server), or calls to it carrying a
/// `username` (client).
#[derive(Parser, Debug)]
#[command(name = "echo-interceptors")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the Echo service; prints its address, then two lines per call: when it
    /// starts (peer, method, metadata) and when it ends (status, latency, messages).
    Server(ServerArgs),
    /// Call each Echo method once with `username` metadata, printing the answers.
    Client(ClientArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: String,
    /// The `username` metadata the interceptor adds to every call.
    #[arg(long, default_value = "gopher")]
    username: String,
    /// The message to echo.
    #[arg(long, default_value = "hello")]
    message: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Server(args) => run_server(args).await,
        Command::Client(args) => run_client(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-interceptors: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(args: ServerArgs) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!("echo-interceptors listening on {}", listener.local_addr()?);
    Server::builder()
        .layer(LogLayer::new(print_calls()))
        .add_service(EchoServer::new(EchoService))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn run_client(args: ClientArgs) -> Result<(), Box<dyn std::error::Error>> {
    let channel = Endpoint::from_shared(format!("http://{}", args.addr))?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .connect()
        .await?;
    let interceptor = UsernameInterceptor::new(&args.username)?;
    let mut client = EchoClient::with_interceptor(channel, interceptor);
    echo_all(&mut client, &args.message, |line| println!("{line}")).await?;
    Ok(())
}
