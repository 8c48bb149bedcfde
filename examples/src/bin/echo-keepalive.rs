//! Keepalive and connection limits: a server with keepalive pings, max connection age
//! (with grace) and max connection idle, and a client with keepalive pings, making
//! calls with pauses between them so that one can watch connections go away and the
//! client reconnect.
//!
//! `cargo run -p rsfast-examples --bin echo-keepalive -- server --max-connection-idle 2s`
//! `cargo run -p rsfast-examples --bin echo-keepalive -- client --pause 3s`

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use rsfast_examples::connections::{
    parse_duration, print_events, serve, tls_acceptor, ConnectionLimits,
};
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::server::EchoService;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint};

/// The Echo service with keepalive pings and connection limits (server), or calls to it
/// over a connection with keepalive pings (client).
#[derive(Parser, Debug)]
#[command(name = "echo-keepalive")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the Echo service; prints its address, each call, and what happens to each
    /// connection (accepted, GOAWAY and why, closed).
    Server(ServerArgs),
    /// Make unary calls with pauses between them, printing each answer.
    Client(ClientArgs),
}

#[derive(Args, Debug)]
struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Ping a client not heard from for this long (e.g. 300ms, 5s, 2m).
    #[arg(long, value_parser = parse_duration)]
    keepalive_interval: Option<Duration>,
    /// Close the connection when a ping is not answered within this.
    #[arg(long, value_parser = parse_duration, default_value = "20s")]
    keepalive_timeout: Duration,
    /// Send GOAWAY to connections with no call in flight for this long.
    #[arg(long, value_parser = parse_duration)]
    max_connection_idle: Option<Duration>,
    /// Send GOAWAY to connections this old.
    #[arg(long, value_parser = parse_duration)]
    max_connection_age: Option<Duration>,
    /// After max age, close connections whose calls are not done after this long.
    #[arg(long, value_parser = parse_duration, requires = "max_connection_age")]
    max_connection_age_grace: Option<Duration>,
    /// Serve over TLS with this certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM): mutual TLS.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ClientArgs {
    /// The server's address (host:port).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: String,
    /// How many unary calls to make.
    #[arg(long, default_value_t = 3)]
    calls: u32,
    /// The pause between calls (e.g. 300ms, 5s).
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    pause: Duration,
    /// Ping the server after this long without hearing from it.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    keepalive_interval: Duration,
    /// Consider the connection dead when a ping is not answered within this.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    keepalive_timeout: Duration,
    /// Ping even with no call in flight (grpc-go's PermitWithoutStream).
    #[arg(long)]
    permit_without_stream: bool,
    /// Use TLS, trusting this CA (PEM).
    #[arg(long, value_name = "PEM")]
    ca: Option<PathBuf>,
    /// The name the server's certificate must be valid for.
    #[arg(long, requires = "ca")]
    server_name: Option<String>,
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
            eprintln!("echo-keepalive: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(args: ServerArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls_acceptor(cert, key, args.client_ca.as_deref())?),
        _ => None,
    };
    let mode = match (&tls, &args.client_ca) {
        (None, _) => "plaintext",
        (Some(_), None) => "TLS",
        (Some(_), Some(_)) => "mutual TLS",
    };
    let limits = ConnectionLimits {
        keepalive_interval: args.keepalive_interval,
        keepalive_timeout: Some(args.keepalive_timeout),
        max_connection_age: args.max_connection_age,
        max_connection_age_grace: args.max_connection_age_grace,
        max_connection_idle: args.max_connection_idle,
    };
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!(
        "echo-keepalive listening on {} ({mode})",
        listener.local_addr()?
    );
    let routes = tonic::service::Routes::new(EchoServer::new(EchoService));
    serve(
        listener,
        tls,
        routes,
        limits,
        print_events("echo-keepalive"),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await;
    Ok(())
}

async fn run_client(args: ClientArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let scheme = if args.ca.is_some() { "https" } else { "http" };
    let mut endpoint = Endpoint::from_shared(format!("{scheme}://{}", args.addr))?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .http2_keep_alive_interval(args.keepalive_interval)
        .keep_alive_timeout(args.keepalive_timeout)
        .keep_alive_while_idle(args.permit_without_stream);
    if let Some(ca) = &args.ca {
        let ca = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
        if let Some(name) = args.server_name {
            config = config.domain_name(name);
        }
        endpoint = endpoint.tls_config(config)?;
    }
    let mut client = EchoClient::new(endpoint.connect().await?);
    for call in 1..=args.calls {
        if call > 1 {
            println!("(pausing {:?})", args.pause);
            tokio::time::sleep(args.pause).await;
        }
        let message = format!("keepalive {call}");
        let request = EchoRequest {
            message: message.clone(),
            ..Default::default()
        };
        let response = match client.unary_echo(request.clone()).await {
            // A call can race with the server closing the connection (max idle or age):
            // hyper then cancels it unsent. tonic does not retry it (grpc-go would); the
            // channel has reconnected by now, so try once more.
            Err(status) if format!("{status:?}").contains("connection closed") => {
                println!("(the connection closed under the call: calling again)");
                client.unary_echo(request).await?
            }
            response => response?,
        };
        println!(
            "UnaryEcho {message:?} -> {:?}",
            response.into_inner().message
        );
    }
    Ok(())
}
