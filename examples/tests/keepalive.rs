//! Keepalive and connection limits over real sockets on 127.0.0.1, with the connection
//! server of `rsfast_examples::connections`: max connection idle (an idle connection is
//! sent GOAWAY and the client reconnects, while one with a quiet stream in flight stays),
//! max connection age with and without enough grace, server keepalive (answered pings
//! keep a connection, a silent peer loses it), client keepalive with and without
//! permit-without-stream, TLS with peer addresses. Then `echo-keepalive` end to end.
//!
//! A freezable TCP proxy stands in for a peer that stops answering: it stops forwarding
//! bytes but keeps the sockets open. Every wait is bounded.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rsfast_examples::connections::{
    serve, tls_acceptor, BoxError, ConnectionEvent, ConnectionLimits, Drain, PeerCertificates,
};
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::interceptors::{CallEvent, LogLayer};
use rsfast_examples::slow_echo::SlowEchoService;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{mpsc, oneshot, watch};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tower_layer::Layer as _;

mod support;

/// The longest wait for any one expected event.
const EVENT: Duration = Duration::from_secs(5);

/// A connection server on a free port reporting its connection events; stops when
/// `_shutdown` drops.
struct Served {
    addr: SocketAddr,
    events: mpsc::UnboundedReceiver<ConnectionEvent>,
    _shutdown: oneshot::Sender<()>,
}

fn echo(stream_interval: Duration, responses: usize) -> SlowEchoService {
    SlowEchoService {
        unary_delay: Duration::ZERO,
        stream_interval,
        stream_responses: responses,
        stopped: Arc::new(|_| {}),
    }
}

impl Served {
    async fn start(limits: ConnectionLimits, service: SlowEchoService) -> Served {
        let routes = tonic::service::Routes::new(EchoServer::new(service));
        Served::start_with(limits, None, routes).await
    }

    async fn start_with<S, B>(
        limits: ConnectionLimits,
        tls: Option<tokio_rustls::TlsAcceptor>,
        service: S,
    ) -> Served
    where
        S: tower_service::Service<
                http::Request<hyper::body::Incoming>,
                Response = http::Response<B>,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (report, events) = mpsc::unbounded_channel();
        let (shutdown, signal) = oneshot::channel::<()>();
        tokio::spawn(serve(
            listener,
            tls,
            service,
            limits,
            Arc::new(move |event| {
                let _ = report.send(event);
            }),
            async {
                let _ = signal.await;
            },
        ));
        Served {
            addr,
            events,
            _shutdown: shutdown,
        }
    }

    /// Waits (bounded) for an event that `matches`; returns it and the events before it.
    async fn wait_for(
        &mut self,
        matches: impl Fn(&ConnectionEvent) -> bool,
    ) -> (ConnectionEvent, Vec<ConnectionEvent>) {
        let mut before = Vec::new();
        let deadline = tokio::time::Instant::now() + EVENT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) if matches(&event) => return (event, before),
                Ok(Some(event)) => before.push(event),
                _ => panic!("no matching event within {EVENT:?}; saw {before:?}"),
            }
        }
    }

    /// The events reported so far, without waiting.
    fn so_far(&mut self) -> Vec<ConnectionEvent> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }
}

fn is_accepted(e: &ConnectionEvent) -> bool {
    matches!(e, ConnectionEvent::Accepted { .. })
}

fn is_draining(e: &ConnectionEvent) -> bool {
    matches!(e, ConnectionEvent::Draining { .. })
}

fn peer(e: &ConnectionEvent) -> SocketAddr {
    match e {
        ConnectionEvent::Accepted { peer }
        | ConnectionEvent::HandshakeFailed { peer, .. }
        | ConnectionEvent::Draining { peer, .. }
        | ConnectionEvent::GraceExpired { peer }
        | ConnectionEvent::Closed { peer, .. } => *peer,
    }
}

fn request(message: &str) -> EchoRequest {
    EchoRequest {
        message: message.to_owned(),
        ..Default::default()
    }
}

async fn connect(endpoint: Endpoint) -> EchoClient<Channel> {
    EchoClient::new(endpoint.connect().await.unwrap())
}

fn endpoint(addr: SocketAddr) -> Endpoint {
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
}

async fn unary(client: &mut EchoClient<Channel>, message: &str) {
    let response = client.unary_echo(request(message)).await.unwrap();
    assert_eq!(response.into_inner().message, message);
}

/// A unary call right after the server closed the client's connection. tonic does not
/// retry a call that raced with the close (hyper cancels it unsent: "connection
/// closed", or the server's GOAWAY(NO_ERROR) naming an earlier last stream), which
/// grpc-go would retry transparently; the channel reconnects for the next attempt. So:
/// at most 3 attempts, failing only those ways.
async fn unary_after_close(client: &mut EchoClient<Channel>, message: &str) {
    for _ in 0..2 {
        match client.unary_echo(request(message)).await {
            Ok(response) => {
                assert_eq!(response.into_inner().message, message);
                return;
            }
            Err(status) => {
                let error = format!("{status:?}");
                assert!(
                    error.contains("connection closed")
                        || (error.contains("GoAway") && error.contains("NO_ERROR")),
                    "{error}"
                )
            }
        }
    }
    unary(client, message).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connection_gets_goaway_and_the_client_reconnects() {
    let limits = ConnectionLimits {
        // Long enough that no stall of a loaded machine closes the connection before
        // the first call.
        max_connection_idle: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let mut server = Served::start(limits, echo(Duration::ZERO, 1)).await;
    let mut client = connect(endpoint(server.addr)).await;
    unary(&mut client, "one").await;
    let idle_from = Instant::now();
    let (first, _) = server.wait_for(is_accepted).await;

    let (draining, _) = server.wait_for(is_draining).await;
    assert_eq!(
        draining,
        ConnectionEvent::Draining {
            peer: peer(&first),
            why: Drain::Idle
        }
    );
    assert!(idle_from.elapsed() >= Duration::from_millis(990));
    let (closed, _) = server
        .wait_for(|e| matches!(e, ConnectionEvent::Closed { .. }))
        .await;
    assert_eq!(
        closed,
        ConnectionEvent::Closed {
            peer: peer(&first),
            error: None
        }
    );

    // The same client carries on, over a new connection.
    unary_after_close(&mut client, "two").await;
    let (second, _) = server.wait_for(is_accepted).await;
    assert_ne!(peer(&second), peer(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_stream_in_flight_keeps_an_idle_connection() {
    let limits = ConnectionLimits {
        max_connection_idle: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    // Each response comes after 1.3s of silence: longer than the idle limit.
    let mut server = Served::start(limits, echo(Duration::from_millis(1300), 2)).await;
    let mut client = connect(endpoint(server.addr)).await;
    let mut stream = client
        .server_streaming_echo(request("slow"))
        .await
        .unwrap()
        .into_inner();
    let mut received = 0;
    while let Some(response) = stream.message().await.unwrap() {
        assert_eq!(response.message, "slow");
        received += 1;
    }
    assert_eq!(received, 2);
    let during = server.so_far();
    assert!(!during.iter().any(is_draining), "{during:?}");
    assert_eq!(during.iter().filter(|e| is_accepted(e)).count(), 1);

    // Once the stream is over, the connection is idle.
    let (draining, _) = server.wait_for(is_draining).await;
    assert!(matches!(
        draining,
        ConnectionEvent::Draining {
            why: Drain::Idle,
            ..
        }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connection_age_drains_and_lets_calls_finish_within_grace() {
    let limits = ConnectionLimits {
        max_connection_age: Some(Duration::from_secs(1)),
        max_connection_age_grace: Some(Duration::from_secs(5)),
        ..Default::default()
    };
    let mut server = Served::start(limits, echo(Duration::from_millis(400), 5)).await;
    let mut client = connect(endpoint(server.addr)).await;
    let mut stream = client
        .server_streaming_echo(request("aging"))
        .await
        .unwrap()
        .into_inner();
    let (first, _) = server.wait_for(is_accepted).await;
    let mut received = 0;
    while stream.message().await.unwrap().is_some() {
        received += 1;
    }
    // The stream outlived the connection's age and still completed.
    assert_eq!(received, 5);
    let (draining, _) = server.wait_for(is_draining).await;
    assert_eq!(
        draining,
        ConnectionEvent::Draining {
            peer: peer(&first),
            why: Drain::MaxAge
        }
    );
    let (closed, before) = server
        .wait_for(|e| matches!(e, ConnectionEvent::Closed { .. }))
        .await;
    assert_eq!(peer(&closed), peer(&first));
    assert!(!before
        .iter()
        .any(|e| matches!(e, ConnectionEvent::GraceExpired { .. })));

    // New calls go over a new connection.
    unary_after_close(&mut client, "fresh").await;
    let (second, _) = server.wait_for(is_accepted).await;
    assert_ne!(peer(&second), peer(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connection_age_grace_expiry_closes_the_connection() {
    let limits = ConnectionLimits {
        max_connection_age: Some(Duration::from_secs(1)),
        max_connection_age_grace: Some(Duration::from_millis(500)),
        ..Default::default()
    };
    let mut server = Served::start(limits, echo(Duration::from_millis(100), 30)).await;
    let mut client = connect(endpoint(server.addr)).await;
    let mut stream = client
        .server_streaming_echo(request("too long"))
        .await
        .unwrap()
        .into_inner();
    let mut received = 0;
    let end = loop {
        match stream.message().await {
            Ok(Some(_)) => received += 1,
            other => break other,
        }
    };
    assert!(end.is_err(), "the stream ended normally: {end:?}");
    assert!(received < 30, "{received}");
    let (expired, _) = server
        .wait_for(|e| matches!(e, ConnectionEvent::GraceExpired { .. }))
        .await;
    let _ = expired;
}

/// A TCP proxy to `target` whose existing connections can be frozen: they stop
/// forwarding bytes in both directions but stay open, like a peer that hangs.
struct Proxy {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    freezers: Arc<Mutex<Vec<watch::Sender<bool>>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let freezers = Arc::new(Mutex::new(Vec::new()));
        let (count, all) = (accepted.clone(), freezers.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                    continue;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let (freeze, frozen) = watch::channel(false);
                all.lock().unwrap().push(freeze);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, frozen.clone()));
                tokio::spawn(pump(server_read, client_write, frozen));
            }
        });
        Proxy {
            addr,
            accepted,
            freezers,
        }
    }

    /// Freezes every connection made so far.
    fn freeze(&self) {
        for freeze in self.freezers.lock().unwrap().iter() {
            freeze.send_replace(true);
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buf) => Some(read),
            _ = frozen.wait_for(|f| *f) => None,
        };
        let n = match read {
            Some(Ok(0) | Err(_)) => return,
            Some(Ok(n)) if !*frozen.borrow() => n,
            // Frozen: hold both sockets open, forwarding nothing, until the test ends.
            _ => break,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
    std::future::pending::<()>().await;
    drop((from, to));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_keepalive_keeps_answering_peers_and_drops_silent_ones() {
    let limits = ConnectionLimits {
        keepalive_interval: Some(Duration::from_millis(200)),
        // Generous: a loaded machine must not make a live client look dead.
        keepalive_timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let mut server = Served::start(limits, echo(Duration::ZERO, 1)).await;
    let proxy = Proxy::start(server.addr).await;
    let mut client = connect(endpoint(proxy.addr)).await;
    unary(&mut client, "before").await;

    // Several ping intervals with no call: the client answers, the connection stays.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    unary(&mut client, "still").await;
    let so_far = server.so_far();
    assert_eq!(
        so_far.iter().filter(|e| is_accepted(e)).count(),
        1,
        "{so_far:?}"
    );
    assert!(
        !so_far
            .iter()
            .any(|e| matches!(e, ConnectionEvent::Closed { .. })),
        "{so_far:?}"
    );

    // A peer that stops answering is dropped once a ping goes unanswered.
    proxy.freeze();
    let frozen_at = Instant::now();
    let (closed, _) = server
        .wait_for(|e| matches!(e, ConnectionEvent::Closed { .. }))
        .await;
    let ConnectionEvent::Closed { error, .. } = closed else {
        unreachable!()
    };
    let error = error.expect("closed without an error");
    assert!(error.contains("keep-alive"), "{error}");
    assert!(frozen_at.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_keepalive_detects_a_dead_connection() {
    let server = Served::start(ConnectionLimits::default(), echo(Duration::ZERO, 1)).await;
    let proxy = Proxy::start(server.addr).await;
    let keepalive = |permit_without_stream: bool| {
        endpoint(proxy.addr)
            .http2_keep_alive_interval(Duration::from_millis(200))
            .keep_alive_timeout(Duration::from_secs(1))
            .keep_alive_while_idle(permit_without_stream)
    };

    // Pinging while idle (permit without stream): the dead connection is noticed
    // before the next call, which goes over a new connection.
    let mut client = connect(keepalive(true)).await;
    unary(&mut client, "first").await;
    assert_eq!(proxy.accepted(), 1);
    proxy.freeze();
    // Longer than a ping interval and its timeout.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    unary(&mut client, "after the freeze").await;
    assert_eq!(proxy.accepted(), 2);

    // Without it, nothing is noticed while idle: the next call goes to the dead
    // connection, and fails when the pings it starts go unanswered (not at its timeout).
    let mut client = connect(keepalive(false)).await;
    unary(&mut client, "first").await;
    assert_eq!(proxy.accepted(), 3);
    proxy.freeze();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let started = Instant::now();
    let status = client
        .unary_echo(request("into the void"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(8), "{status}");
    assert_eq!(proxy.accepted(), 3);
}

/// Wraps a service, recording how many client certificates each request arrived with.
#[derive(Clone)]
struct CertsSeen<S> {
    inner: S,
    seen: Arc<Mutex<Vec<usize>>>,
}

impl<S, B> tower_service::Service<http::Request<B>> for CertsSeen<S>
where
    S: tower_service::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> S::Future {
        let certs = request
            .extensions()
            .get::<PeerCertificates>()
            .map_or(0, |c| c.0.len());
        self.seen.lock().unwrap().push(certs);
        self.inner.call(request)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_connections_keep_peer_info_and_idle_limits() {
    let dir = std::env::temp_dir().join(format!("rsfast-keepalive-certs-{}", std::process::id()));
    let certs = support::run(
        env!("CARGO_BIN_EXE_echo-certs"),
        &["--out", dir.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert!(certs.status.success());
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let acceptor = tls_acceptor(
        &dir.join("server.pem"),
        &dir.join("server.key"),
        Some(&dir.join("ca.pem")),
    )
    .unwrap();
    let (ca, client_cert, client_key) = (read("ca.pem"), read("client.pem"), read("client.key"));
    let _ = std::fs::remove_dir_all(&dir);

    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = {
        let calls = calls.clone();
        LogLayer::new(Arc::new(move |event| calls.lock().unwrap().push(event)))
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let service = log.layer(CertsSeen {
        inner: tonic::service::Routes::new(EchoServer::new(echo(Duration::ZERO, 1))),
        seen: seen.clone(),
    });
    let limits = ConnectionLimits {
        max_connection_idle: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let mut server = Served::start_with(limits, Some(acceptor), service).await;

    // Plaintext on the TLS port: the handshake fails, the server carries on.
    let mut plain = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (failed, _) = server
        .wait_for(|e| matches!(e, ConnectionEvent::HandshakeFailed { .. }))
        .await;
    assert_eq!(peer(&failed), plain.local_addr().unwrap());

    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .identity(Identity::from_pem(client_cert, client_key))
        .domain_name("localhost");
    let endpoint = Endpoint::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .tls_config(tls)
        .unwrap();
    let mut client = connect(endpoint).await;
    unary(&mut client, "secret").await;
    let (accepted, _) = server.wait_for(is_accepted).await;

    // The service saw the TLS connection's peer address and the client's certificate.
    let started_peer = calls.lock().unwrap().iter().find_map(|e| match e {
        CallEvent::Started { peer, .. } => Some(*peer),
        _ => None,
    });
    assert_eq!(started_peer, Some(Some(peer(&accepted))));
    assert_eq!(*seen.lock().unwrap(), [1]);

    let (draining, _) = server.wait_for(is_draining).await;
    assert_eq!(
        draining,
        ConnectionEvent::Draining {
            peer: peer(&accepted),
            why: Drain::Idle
        }
    );
    unary_after_close(&mut client, "again").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_shutdown_drains_open_connections() {
    let Served {
        addr,
        mut events,
        _shutdown: shutdown,
    } = Served::start(ConnectionLimits::default(), echo(Duration::ZERO, 1)).await;
    let mut client = connect(endpoint(addr)).await;
    unary(&mut client, "before").await;
    drop(shutdown);
    let mut seen = Vec::new();
    let wait = async {
        while let Some(event) = events.recv().await {
            let closed = matches!(event, ConnectionEvent::Closed { .. });
            seen.push(event);
            if closed {
                break;
            }
        }
    };
    tokio::time::timeout(EVENT, wait).await.expect("not closed");
    assert!(
        seen.iter().any(|e| matches!(
            e,
            ConnectionEvent::Draining {
                why: Drain::Shutdown,
                ..
            }
        )),
        "{seen:?}"
    );
}

/// `echo-keepalive server` and `echo-keepalive client` as a user runs them.
#[test]
fn echo_keepalive_binaries() {
    let bin = env!("CARGO_BIN_EXE_echo-keepalive");
    support::assert_help(bin, &["server", "client"]);
    let server = support::ServerProcess::start(
        bin,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--max-connection-idle",
            "300ms",
            "--keepalive-interval",
            "1s",
        ],
        "echo-keepalive listening on ",
    );
    let client = support::run(
        bin,
        &[
            "client",
            "--addr",
            &server.addr,
            "--calls",
            "2",
            "--pause",
            "1s",
        ],
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(client.status.success(), "{stdout}");
    assert!(
        stdout.contains("UnaryEcho \"keepalive 2\" -> \"keepalive 2\""),
        "{stdout}"
    );
    let mut accepted = 0;
    let lines = server.lines_until(EVENT, |line| {
        accepted += usize::from(line.ends_with("connection accepted"));
        accepted == 2
    });
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("GOAWAY sent: idle for max-connection-idle")),
        "{lines:#?}"
    );
}
