//! Cancellation and deadlines: the client cancels a bidirectional stream (the next
//! receive yields CANCELLED), and calls with deadlines that expire before a slow unary
//! answer and in the middle of a server stream (DEADLINE_EXCEEDED, as in every gRPC
//! implementation); the server prints when each piece of its work stops, and why.
//!
//! `cargo run -p rsfast-examples --bin echo-cancel -- server`
//! `cargo run -p rsfast-examples --bin echo-cancel -- client`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rsfast_examples::cancellation::{CallContext, CallLayer, CallService};
use rsfast_examples::connections::parse_duration;
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::slow_echo::{SlowEchoService, Stopped, WorkStopped};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Code, Request, Status};
use tower_layer::Layer as _;

/// A slow Echo service reporting when its work stops (server), or calls to it that are
/// cancelled or run out of time (client).
#[derive(Parser, Debug)]
#[command(name = "echo-cancel")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve a slow Echo service; prints its address, then a line whenever the work of
    /// a call stops (completed, or abandoned because the client went away).
    Server(ServerArgs),
    /// Cancel a bidirectional stream, then exceed a unary and a streaming deadline;
    /// exits non-zero unless each ends with the expected status.
    Client(ClientArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// How long UnaryEcho takes to answer.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    unary_delay: Duration,
    /// The pause before each streamed response.
    #[arg(long, value_parser = parse_duration, default_value = "200ms")]
    stream_interval: Duration,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: String,
    /// The deadline of the unary call (shorter than the server's --unary-delay).
    #[arg(long, value_parser = parse_duration, default_value = "500ms")]
    unary_deadline: Duration,
    /// The deadline of the server-streaming call (it would stream far longer).
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    stream_deadline: Duration,
    /// How many bidirectional round trips before cancelling.
    #[arg(long, default_value_t = 3)]
    round_trips: usize,
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
            eprintln!("echo-cancel: {e}");
            ExitCode::FAILURE
        }
    }
}

fn describe(stopped: &WorkStopped) -> String {
    let why = match stopped.why {
        Stopped::Completed => "completed",
        Stopped::ClientGone => "the client cancelled or its deadline passed",
    };
    format!(
        "{} stopped after {} response(s): {why}",
        stopped.method, stopped.responses
    )
}

async fn run_server(args: ServerArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!("echo-cancel listening on {}", listener.local_addr()?);
    let service = SlowEchoService {
        unary_delay: args.unary_delay,
        stream_interval: args.stream_interval,
        stream_responses: 1000,
        stopped: Arc::new(|stopped| println!("{}", describe(&stopped))),
    };
    Server::builder()
        .add_service(EchoServer::new(service))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

type Client = EchoClient<CallService<Channel>>;

fn request(message: impl Into<String>) -> EchoRequest {
    EchoRequest {
        message: message.into(),
        ..Default::default()
    }
}

/// Fails unless `result` is an error with `code`.
fn expect_code<T>(what: &str, result: Result<T, Status>, code: Code) -> Result<(), String> {
    match result {
        Err(status) if status.code() == code => {
            println!("{what}: {:?} ({})", status.code(), status.message());
            Ok(())
        }
        Err(status) => Err(format!("{what}: expected {code:?}, got {status}")),
        Ok(_) => Err(format!("{what}: expected {code:?}, got a response")),
    }
}

async fn run_client(args: ClientArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let channel = Endpoint::from_shared(format!("http://{}", args.addr))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await?;
    let mut client: Client = EchoClient::new(CallLayer.layer(channel));

    // 1. Cancel a bidirectional stream after a few round trips.
    let context = CallContext::new();
    let (tx, rx) = mpsc::channel(1);
    let mut call = Request::new(ReceiverStream::new(rx));
    context.attach(&mut call);
    let mut responses = client
        .bidirectional_streaming_echo(call)
        .await?
        .into_inner();
    for i in 1..=args.round_trips {
        tx.send(request(format!("ping {i}"))).await?;
        let response = responses.message().await?.ok_or("stream ended early")?;
        println!("BidirectionalStreamingEcho -> {:?}", response.message);
    }
    println!("cancelling the bidirectional stream");
    context.cancel();
    expect_code(
        "BidirectionalStreamingEcho, next receive",
        responses.message().await,
        Code::Cancelled,
    )?;

    // 2. A unary call whose deadline passes before the server answers.
    let mut call = Request::new(request("slow"));
    call.set_timeout(args.unary_deadline);
    expect_code(
        &format!("UnaryEcho with a {:?} deadline", args.unary_deadline),
        client.unary_echo(call).await,
        Code::DeadlineExceeded,
    )?;

    // 3. A server stream whose deadline passes mid-stream.
    let mut call = Request::new(request("tick"));
    call.set_timeout(args.stream_deadline);
    let mut stream = client.server_streaming_echo(call).await?.into_inner();
    let mut received = 0;
    let end = loop {
        match stream.message().await {
            Ok(Some(_)) => received += 1,
            Ok(None) => break Ok(()),
            Err(status) => break Err(status),
        }
    };
    expect_code(
        &format!(
            "ServerStreamingEcho with a {:?} deadline, after {received} response(s)",
            args.stream_deadline
        ),
        end,
        Code::DeadlineExceeded,
    )?;
    Ok(())
}
