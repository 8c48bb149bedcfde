//! A pprof CPU profile endpoint on the gRPC port: the server routes `application/grpc`
//! requests to the Echo service and the rest to HTTP routes, among them
//! `/debug/pprof/profile?seconds=N`; the client keeps making gRPC calls while it fetches
//! a profile over HTTP/1.1 on the same port, saves it and summarizes it.
//!
//! `cargo run -p rsfast-examples --bin echo-profiling -- server`
//! `cargo run -p rsfast-examples --bin echo-profiling -- client --seconds 5 --out cpu.pb.gz`
//! `go tool pprof -top cpu.pb.gz` (or `curl -o cpu.pb.gz 'http://127.0.0.1:50051/debug/pprof/profile?seconds=5'`)

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rsfast_examples::client::{connect, echo_all};
use rsfast_examples::connections::{print_events, serve, ConnectionLimits, EventSink, GrpcOrHttp};
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::profiling::{fetch_profile, summarize, ProfilingRoutes, PROFILE_PATH};
use rsfast_examples::server::STREAM_RESPONSES;
use rsfast_examples::slow_echo::SlowEchoService;

/// The Echo service and a CPU profile endpoint on one port (server), or gRPC load while
/// fetching a profile (client).
#[derive(Parser, Debug)]
#[command(name = "echo-profiling")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve gRPC and /debug/pprof/profile on one port; prints its address.
    Server(ServerArgs),
    /// Make gRPC calls while fetching a CPU profile from the same port; saves it and
    /// prints a summary.
    Client(ClientArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Print every connection's events (accepted, closed).
    #[arg(long)]
    verbose: bool,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// How long to profile for.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Where to save the profile (gzip'd profile.proto, for `go tool pprof`).
    #[arg(long, default_value = "cpu.pb.gz")]
    out: PathBuf,
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
            eprintln!("echo-profiling: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(args: ServerArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!(
        "echo-profiling listening on {} (gRPC, and HTTP: {PROFILE_PATH}?seconds=N)",
        listener.local_addr()?
    );
    let service = GrpcOrHttp {
        // The Echo service without a line per call: the client calls it in a loop.
        grpc: tonic::service::Routes::new(EchoServer::new(SlowEchoService {
            unary_delay: Duration::ZERO,
            stream_interval: Duration::ZERO,
            stream_responses: STREAM_RESPONSES,
            stopped: Arc::new(|_| {}),
        })),
        http: ProfilingRoutes,
    };
    let events: EventSink = if args.verbose {
        print_events("echo-profiling")
    } else {
        Arc::new(|_| {})
    };
    serve(
        listener,
        None,
        service,
        ConnectionLimits::default(),
        events,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await;
    Ok(())
}

/// The most rounds of gRPC calls the client makes while profiling (a bound, not a goal).
const MAX_ROUNDS: usize = 1_000_000;

async fn run_client(args: ClientArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut client = connect(&args.addr.to_string(), None).await?;
    let done = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn({
        let (done, rounds) = (done.clone(), rounds.clone());
        async move {
            while !done.load(Ordering::Relaxed) && rounds.load(Ordering::Relaxed) < MAX_ROUNDS {
                echo_all(&mut client, "profile me", |_| {}).await?;
                rounds.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, tonic::Status>(())
        }
    });
    println!(
        "fetching http://{}{PROFILE_PATH}?seconds={} while calling Echo...",
        args.addr, args.seconds
    );
    let profile = fetch_profile(args.addr, args.seconds).await;
    done.store(true, Ordering::Relaxed);
    load.await??;
    let profile = profile?;
    std::fs::write(&args.out, &profile).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let summary = summarize(&profile)?;
    println!(
        "{} rounds of 4 gRPC calls meanwhile; profile: {} bytes, {} samples in {} stacks ({}), written to {}",
        rounds.load(Ordering::Relaxed),
        profile.len(),
        summary.samples,
        summary.stacks,
        summary
            .sample_types
            .iter()
            .map(|(t, u)| format!("{t}/{u}"))
            .collect::<Vec<_>>()
            .join(", "),
        args.out.display()
    );
    println!("top functions (samples at the top of the stack):");
    for (name, samples) in &summary.top {
        println!("  {samples:>5}  {name}");
    }
    println!("see it all with: go tool pprof -top {}", args.out.display());
    Ok(())
}
