//! Round-robin load balancing over Echo backends, from a static list or live from an etcd
//! key prefix: `echo-balance serve` runs a named backend (optionally registering itself in
//! etcd), `echo-balance call` spreads calls over the backends.
//!
//! ```text
//! cargo run -p rsfast-examples --bin echo-balance -- serve --name alpha --addr 127.0.0.1:50061
//! cargo run -p rsfast-examples --bin echo-balance -- call --backends 127.0.0.1:50061,127.0.0.1:50062
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Parser, Subcommand};
use rsfast_examples::balance::{backend_of, NamedEcho, RoundRobin};
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::etcd::{Etcd, Resolver};
use rsfast_examples::retry::{FlakyEcho, RetryLayer, ServiceConfig};
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic::Code;

/// Round-robin load balancing of Echo calls over backends that say who they are.
#[derive(Parser, Debug)]
#[command(name = "echo-balance")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve Echo as a named backend: each answer starts with its name in brackets.
    /// Prints the address it listens on, then one line per call.
    Serve {
        /// The backend's name, put in front of every answer.
        #[arg(long)]
        name: String,
        /// Address to listen on; port 0 picks a free port (the bound address is printed).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: SocketAddr,
        /// Register in this etcd (host:port of its client URL): the key PREFIX+NAME holds
        /// the address, deleted again on Ctrl-C.
        #[arg(long, value_name = "HOST:PORT")]
        etcd: Option<String>,
        /// The etcd key prefix of the backends.
        #[arg(long, default_value = "/services/echo/")]
        prefix: String,
        /// Fail the first N calls with UNAVAILABLE (to show retries going to the next
        /// backend).
        #[arg(long, default_value_t = 0)]
        fail_first: usize,
    },
    /// Make calls one after the other, each to the next backend in turn; prints which
    /// backend answered each call, the backend list whenever it changes, and a count per
    /// backend at the end.
    #[command(group(ArgGroup::new("source").required(true).args(["backends", "etcd"])))]
    Call {
        /// The backends (host:port, comma separated).
        #[arg(long, value_delimiter = ',')]
        backends: Vec<String>,
        /// Take the backends from this etcd (host:port of its client URL), following
        /// changes under --prefix live.
        #[arg(long, value_name = "HOST:PORT")]
        etcd: Option<String>,
        /// The etcd key prefix of the backends; each key's value is a backend's host:port.
        #[arg(long, default_value = "/services/echo/")]
        prefix: String,
        /// How many calls to make.
        #[arg(long, default_value_t = 12)]
        calls: usize,
        /// Pause between calls, in milliseconds.
        #[arg(long, default_value_t = 0)]
        interval_ms: u64,
        /// The message to echo.
        #[arg(long, default_value = "hello")]
        message: String,
        /// Retry as this gRPC service config (JSON file) says; each attempt goes to the
        /// next backend in turn.
        #[arg(long, value_name = "JSON")]
        service_config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match Args::parse().command {
        Command::Serve {
            name,
            addr,
            etcd,
            prefix,
            fail_first,
        } => {
            let service =
                NamedEcho::wrap(&name, FlakyEcho::new(fail_first, Code::Unavailable, false));
            serve(&name, service, addr, etcd, prefix).await
        }
        Command::Call {
            backends,
            etcd,
            prefix,
            calls,
            interval_ms,
            message,
            service_config,
        } => {
            let options = CallOptions {
                calls,
                interval: Duration::from_millis(interval_ms),
                message,
                service_config,
            };
            call(backends, etcd, prefix, options).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo-balance: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Prints a line now (the tests read lines as they come); a closed stdout is not an error.
fn say(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

async fn serve(
    name: &str,
    service: NamedEcho<FlakyEcho>,
    addr: SocketAddr,
    etcd_addr: Option<String>,
    prefix: String,
) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let key = format!("{prefix}{name}");
    let mut registry = match &etcd_addr {
        Some(etcd_addr) => {
            let mut etcd = Etcd::connect(etcd_addr).await?;
            etcd.put(&key, &addr.to_string()).await?;
            Some(etcd)
        }
        None => None,
    };
    say(format_args!("echo-balance {name} listening on {addr}"));
    if registry.is_some() {
        say(format_args!("registered {key} = {addr}"));
    }
    Server::builder()
        .add_service(EchoServer::new(service))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    if let Some(etcd) = &mut registry {
        etcd.delete(&key).await?;
        say(format_args!("deregistered {key}"));
    }
    Ok(())
}

/// What `call` does once it has its backends.
struct CallOptions {
    calls: usize,
    interval: Duration,
    message: String,
    service_config: Option<PathBuf>,
}

async fn call(
    backends: Vec<String>,
    etcd_addr: Option<String>,
    prefix: String,
    options: CallOptions,
) -> Result<(), BoxError> {
    let CallOptions {
        calls,
        interval,
        message,
        service_config,
    } = options;
    // Without a service config the layer has no method settings: calls pass through.
    let retry_config = match service_config {
        Some(path) => {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            ServiceConfig::from_json(&text)?
        }
        None => ServiceConfig::default(),
    };
    let balancer = RoundRobin::new(&backends)?;
    // Kept alive while the calls run: dropping it stops following etcd.
    let _resolver = match etcd_addr {
        Some(etcd_addr) => {
            let etcd = Etcd::connect(&etcd_addr).await?;
            let on_update = |backends: &[String]| say(format_args!("backends: {backends:?}"));
            let resolver = Resolver::start(etcd, &prefix, balancer.clone(), on_update).await?;
            Some(tokio::spawn(async move {
                eprintln!(
                    "echo-balance: resolver stopped: {}",
                    resolver.stopped().await
                );
            }))
        }
        None => {
            say(format_args!("backends: {:?}", balancer.backends()));
            None
        }
    };
    let mut client = EchoClient::new(
        tower::ServiceBuilder::new()
            .layer(RetryLayer::new(retry_config))
            .service(balancer),
    );
    let mut counts = BTreeMap::<String, usize>::new();
    for i in 1..=calls {
        let request = EchoRequest {
            message: message.clone(),
            ..Default::default()
        };
        // A failed call is reported and the next one goes on: backends come and go.
        match client.unary_echo(request).await {
            Ok(response) => {
                let answer = response.into_inner().message;
                let backend = backend_of(&answer).unwrap_or("?").to_owned();
                say(format_args!("call {i}: {answer}"));
                *counts.entry(backend).or_default() += 1;
            }
            Err(status) => {
                say(format_args!("call {i}: error: {}", status.message()));
                *counts.entry("error".to_owned()).or_default() += 1;
            }
        }
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
    }
    let summary: Vec<String> = counts.iter().map(|(b, n)| format!("{b}: {n}")).collect();
    say(format_args!("calls per backend: {}", summary.join(", ")));
    Ok(())
}
