//! The CPU profile endpoint over real sockets on 127.0.0.1: one port serves gRPC and
//! HTTP/1.1; a profile fetched while gRPC calls run on that port is a valid gzip'd
//! profile.proto (decoded with rsfast's own `perftools.profiles` code) holding samples of
//! the gRPC stack; bad requests get HTTP errors. Then `echo-profiling` end to end.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rsfast::Message as _;
use rsfast_examples::client::{connect, echo_all};
use rsfast_examples::connections::{serve, ConnectionLimits, GrpcOrHttp};
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::perftools::profiles::Profile;
use rsfast_examples::profiling::{fetch_profile, summarize, ProfilingRoutes, ALREADY_PROFILING};
use rsfast_examples::server::EchoService;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::oneshot;

mod support;

/// Starts gRPC + HTTP on one free port; serves until the returned sender drops.
async fn start() -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (shutdown, signal) = oneshot::channel::<()>();
    let service = GrpcOrHttp {
        grpc: tonic::service::Routes::new(EchoServer::new(EchoService)),
        http: ProfilingRoutes,
    };
    tokio::spawn(serve(
        listener,
        None,
        service,
        ConnectionLimits::default(),
        Arc::new(|_| {}),
        async {
            let _ = signal.await;
        },
    ));
    (addr, shutdown)
}

/// Sends one raw HTTP/1.1 request; returns the status line and the body.
async fn http_get(addr: SocketAddr, target: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("no HTTP response")
    .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_fetched_during_grpc_calls_on_the_same_port() {
    let (addr, _shutdown) = start().await;
    let mut client = connect(&addr.to_string(), None).await.unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn({
        let (done, rounds) = (done.clone(), rounds.clone());
        async move {
            // Bounded: stops when the profile is in, or after 100k rounds.
            while !done.load(Ordering::Relaxed) && rounds.load(Ordering::Relaxed) < 100_000 {
                echo_all(&mut client, "load", |_| {}).await?;
                rounds.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, tonic::Status>(())
        }
    });
    // Two at once: the profiler is process-wide, so one of them is refused.
    let (first, second) = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(fetch_profile(addr, 1), fetch_profile(addr, 1))
    })
    .await
    .expect("profile timed out");
    let (profile, refused) = match (first, second) {
        (Ok(profile), Err(refused)) | (Err(refused), Ok(profile)) => (profile, refused),
        (first, second) => panic!("expected one profile and one refusal: {first:?} {second:?}"),
    };
    assert_eq!(
        refused.to_string(),
        format!("500 Internal Server Error: could not profile: {ALREADY_PROFILING}")
    );
    done.store(true, Ordering::Relaxed);
    load.await
        .unwrap()
        .expect("gRPC calls failed during profiling");
    assert!(rounds.load(Ordering::Relaxed) > 0, "no gRPC call completed");

    assert_eq!(&profile[..2], &[0x1f, 0x8b], "not gzip");
    let summary = summarize(&profile).expect("not a valid profile");
    assert_eq!(
        summary.sample_types,
        [
            ("samples".to_owned(), "count".to_owned()),
            ("cpu".to_owned(), "nanoseconds".to_owned())
        ]
    );
    assert!(summary.samples > 0, "{summary:?}");

    // Decoded directly: it covers about a second, and the gRPC stack ran in it.
    let mut encoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&profile[..]),
        &mut encoded,
    )
    .unwrap();
    let decoded = Profile::decode(&encoded).unwrap();
    assert!(
        (900_000_000..5_000_000_000).contains(&decoded.duration_nanos),
        "{}",
        decoded.duration_nanos
    );
    let names: Vec<&str> = decoded
        .function
        .iter()
        .map(|f| decoded.string_table[f.name as usize].as_str())
        .collect();
    for stack in ["h2::", "tonic::", "rsfast_examples::"] {
        assert!(names.iter().any(|n| n.contains(stack)), "no {stack} frame");
    }
    // The sampler's own frames are not at the top of the stacks.
    assert!(
        summary
            .top
            .iter()
            .all(|(name, _)| !name.starts_with("backtrace::")),
        "{:?}",
        summary.top
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_http_requests_get_http_errors() {
    let (addr, _shutdown) = start().await;
    let (status, body) = http_get(addr, "/debug/pprof/heap").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(body, "no route for /debug/pprof/heap\n");
    let (status, body) = http_get(addr, "/debug/pprof/profile?seconds=soon").await;
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert!(body.starts_with("seconds must be a whole number"), "{body}");
    // gRPC still works on the port.
    let mut client = connect(&addr.to_string(), None).await.unwrap();
    echo_all(&mut client, "still here", |_| {}).await.unwrap();
}

/// `echo-profiling server` and `echo-profiling client` as a user runs them.
#[test]
fn echo_profiling_binaries() {
    let bin = env!("CARGO_BIN_EXE_echo-profiling");
    support::assert_help(bin, &["server", "client"]);
    let server = support::ServerProcess::start(
        bin,
        &["server", "--addr", "127.0.0.1:0"],
        "echo-profiling listening on ",
    );
    let out = std::env::temp_dir().join(format!("rsfast-cpu-{}.pb.gz", std::process::id()));
    let out_arg = out.to_str().unwrap();
    let client = support::run(
        bin,
        &[
            "client",
            "--addr",
            &server.addr,
            "--seconds",
            "1",
            "--out",
            out_arg,
        ],
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(
        client.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&client.stderr)
    );
    assert!(
        stdout.contains("(samples/count, cpu/nanoseconds)"),
        "{stdout}"
    );
    let saved = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let summary = summarize(&saved).unwrap();
    assert!(
        stdout.contains(&format!("{} samples", summary.samples)),
        "{stdout}"
    );
}
