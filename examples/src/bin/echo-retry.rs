//! Client retries from a gRPC service config: `echo-retry serve` runs an Echo server whose
//! first calls fail; `echo-retry call` calls it through the retry layer.
//!
//! ```text
//! cargo run -p rsfast-examples --bin echo-retry -- serve --fail-first 2
//! cargo run -p rsfast-examples --bin echo-retry -- call --service-config examples/config/retry.json
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use rsfast_examples::client::streamed_messages;
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::retry::{parse_code, Attempts, FlakyEcho, RetryLayer, ServiceConfig};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};
use tonic::Code;

/// Retries configured by a gRPC service config (methodConfig: name, waitForReady,
/// timeout, retryPolicy), against an Echo server that fails its first calls.
#[derive(Parser, Debug)]
#[command(name = "echo-retry")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Echo, failing the first calls with a status code; prints the address it
    /// listens on, then one line per call.
    Serve {
        /// Address to listen on; port 0 picks a free port (the bound address is printed).
        #[arg(long, default_value = "127.0.0.1:50052")]
        addr: SocketAddr,
        /// How many calls fail before the server answers.
        #[arg(long, default_value_t = 2)]
        fail_first: usize,
        /// The status code the failing calls get: a name (UNAVAILABLE) or a number.
        #[arg(long, default_value = "UNAVAILABLE", value_parser = status_code)]
        code: Code,
        /// Fail the streaming-response calls after their first response (too late to
        /// retry) instead of before answering.
        #[arg(long)]
        after_first_response: bool,
    },
    /// Call Echo once through the retry layer; prints the answer and how many attempts
    /// it took.
    Call {
        /// The server's address (host:port).
        #[arg(long, default_value = "127.0.0.1:50052")]
        addr: String,
        /// The service config (JSON file) whose methodConfig applies to the call.
        #[arg(long, value_name = "JSON")]
        service_config: PathBuf,
        /// Which RPC to make.
        #[arg(long, value_enum, default_value_t = Rpc::Unary)]
        rpc: Rpc,
        /// The message to echo.
        #[arg(long, default_value = "hello")]
        message: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Rpc {
    /// UnaryEcho: one request, one response.
    Unary,
    /// ServerStreamingEcho: one request, several responses.
    ServerStreaming,
    /// ClientStreamingEcho: several requests (replayed on retry), one response.
    ClientStreaming,
    /// BidirectionalStreamingEcho: several requests (replayed on retry), several
    /// responses.
    Bidi,
}

fn status_code(text: &str) -> Result<Code, String> {
    let value = text
        .parse::<u64>()
        .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from);
    parse_code(&value).ok_or_else(|| format!("{text:?} is not a status code"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Serve {
            addr,
            fail_first,
            code,
            after_first_response,
        } => serve(addr, FlakyEcho::new(fail_first, code, after_first_response)).await,
        Command::Call {
            addr,
            service_config,
            rpc,
            message,
        } => call(&addr, &service_config, rpc, message).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-retry: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: SocketAddr, service: FlakyEcho) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!("echo-retry listening on {addr} ({service})");
    Server::builder()
        .add_service(EchoServer::new(service))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

fn request(message: String) -> EchoRequest {
    EchoRequest {
        message,
        ..Default::default()
    }
}

async fn call(
    addr: &str,
    service_config: &std::path::Path,
    rpc: Rpc,
    message: String,
) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(service_config)
        .map_err(|e| format!("{}: {e}", service_config.display()))?;
    let config = ServiceConfig::from_json(&text)?;
    // Lazy: with waitForReady the call may start before the server does.
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(1))
        .connect_lazy();
    let service = tower::ServiceBuilder::new()
        .layer(RetryLayer::new(config))
        .service(channel);
    let mut client = EchoClient::new(service);
    let print = |what: &str, attempts: u32, message: &str| {
        println!("{what} -> {message:?} (attempts: {attempts})");
    };
    let messages = || streamed_messages(&message).into_iter().map(request);
    match rpc {
        Rpc::Unary => {
            let response = client.unary_echo(request(message.clone())).await?;
            let attempts = attempts(response.extensions());
            print("UnaryEcho", attempts, &response.into_inner().message);
        }
        Rpc::ClientStreaming => {
            let response = client
                .client_streaming_echo(tokio_stream::iter(messages()))
                .await?;
            let attempts = attempts(response.extensions());
            print(
                "ClientStreamingEcho",
                attempts,
                &response.into_inner().message,
            );
        }
        Rpc::ServerStreaming => {
            let response = client
                .server_streaming_echo(request(message.clone()))
                .await?;
            let attempts = attempts(response.extensions());
            let mut responses = response.into_inner();
            while let Some(response) = responses.message().await? {
                print("ServerStreamingEcho", attempts, &response.message);
            }
        }
        Rpc::Bidi => {
            let response = client
                .bidirectional_streaming_echo(tokio_stream::iter(messages()))
                .await?;
            let attempts = attempts(response.extensions());
            let mut responses = response.into_inner();
            while let Some(response) = responses.message().await? {
                print("BidirectionalStreamingEcho", attempts, &response.message);
            }
        }
    }
    Ok(())
}

/// The attempt count the retry layer recorded (1 when it did not apply).
fn attempts(extensions: &http::Extensions) -> u32 {
    extensions.get::<Attempts>().map_or(1, |a| a.0)
}
