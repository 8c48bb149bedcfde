//! Interceptors over real sockets on 127.0.0.1: the client's `username` metadata reaches
//! the server's log layer, which logs peer, method, metadata, message counts, status and
//! latency for unary and streaming calls (a stream's latency lasting until it ends), and
//! cancelled calls as CANCELLED. Then `echo-interceptors` end to end.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsfast_examples::client::echo_all;
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::interceptors::{CallEvent, LogLayer, UsernameInterceptor};
use rsfast_examples::slow_echo::SlowEchoService;
use tokio::sync::oneshot;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};
use tonic::Code;

mod support;

const ECHO: &str = "/grpc.examples.echo.Echo/";
/// How long the server may take to log the end of a call the client saw end.
const LOG: Duration = Duration::from_secs(5);

/// A logged Echo server on a free port; stops when `_shutdown` drops.
struct Logged {
    addr: SocketAddr,
    events: Arc<Mutex<Vec<CallEvent>>>,
    _shutdown: oneshot::Sender<()>,
}

impl Logged {
    async fn start(service: SlowEchoService) -> Logged {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = {
            let events = events.clone();
            Arc::new(move |event| events.lock().unwrap().push(event))
        };
        let (shutdown, signal) = oneshot::channel::<()>();
        tokio::spawn(
            Server::builder()
                .layer(LogLayer::new(sink))
                .add_service(EchoServer::new(service))
                .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                    let _ = signal.await;
                }),
        );
        Logged {
            addr,
            events,
            _shutdown: shutdown,
        }
    }

    /// The `Finished` event of `method`, waiting for it (bounded).
    async fn finished(&self, method: &str) -> CallEvent {
        let path = format!("{ECHO}{method}");
        let wait = async {
            loop {
                let found = self.events.lock().unwrap().iter().find_map(|e| match e {
                    CallEvent::Finished { method, .. } if *method == path => Some(e.clone()),
                    _ => None,
                });
                if let Some(event) = found {
                    return event;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(LOG, wait)
            .await
            .unwrap_or_else(|_| panic!("{method} never finished"))
    }

    fn started(&self, method: &str) -> CallEvent {
        let path = format!("{ECHO}{method}");
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|e| matches!(e, CallEvent::Started { method, .. } if *method == path))
            .cloned()
            .unwrap_or_else(|| panic!("{method} never started"))
    }
}

fn slow(unary_delay: Duration, stream_interval: Duration, responses: usize) -> SlowEchoService {
    SlowEchoService {
        unary_delay,
        stream_interval,
        stream_responses: responses,
        stopped: Arc::new(|_| {}),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_logs_every_call_with_the_clients_username() {
    let server = Logged::start(slow(
        Duration::from_millis(100),
        Duration::from_millis(50),
        4,
    ))
    .await;
    let channel = Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client =
        EchoClient::with_interceptor(channel, UsernameInterceptor::new("alice").unwrap());
    tokio::time::timeout(Duration::from_secs(30), echo_all(&mut client, "hi", |_| {}))
        .await
        .expect("calls timed out")
        .unwrap();

    // (method, requests, responses, the least latency the server's pace implies)
    let expected = [
        ("UnaryEcho", 1, 1, Duration::from_millis(100)),
        ("ServerStreamingEcho", 1, 4, Duration::from_millis(200)),
        ("ClientStreamingEcho", 5, 1, Duration::ZERO),
        (
            "BidirectionalStreamingEcho",
            5,
            5,
            Duration::from_millis(250),
        ),
    ];
    for (name, want_requests, want_responses, least) in expected {
        let CallEvent::Started { peer, metadata, .. } = server.started(name) else {
            unreachable!()
        };
        assert_eq!(peer.map(|p| p.ip()), Some([127, 0, 0, 1].into()), "{name}");
        assert!(
            metadata.contains(&("username".to_owned(), "alice".to_owned())),
            "{name}: {metadata:?}"
        );
        // Transport headers are left out.
        assert!(
            metadata
                .iter()
                .all(|(k, _)| k != "content-type" && k != "te"),
            "{metadata:?}"
        );
        let CallEvent::Finished {
            peer: end_peer,
            requests,
            responses,
            code,
            latency,
            ..
        } = server.finished(name).await
        else {
            unreachable!()
        };
        assert_eq!(end_peer, peer, "{name}");
        assert_eq!(code, Code::Ok, "{name}");
        assert_eq!(
            (requests, responses),
            (want_requests, want_responses),
            "{name}"
        );
        assert!(latency >= least, "{name}: {latency:?} < {least:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_and_failed_calls_are_logged_with_their_status() {
    let server = Logged::start(slow(Duration::ZERO, Duration::from_millis(20), 1000)).await;
    let channel = Endpoint::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = EchoClient::new(channel.clone());
    let request = EchoRequest {
        message: "stop me".to_owned(),
        ..Default::default()
    };
    let mut stream = client
        .server_streaming_echo(request)
        .await
        .unwrap()
        .into_inner();
    for _ in 0..3 {
        stream.message().await.unwrap().unwrap();
    }
    drop(stream); // resets the call
    let CallEvent::Finished {
        code, responses, ..
    } = server.finished("ServerStreamingEcho").await
    else {
        unreachable!()
    };
    assert_eq!(code, Code::Cancelled);
    assert!((3..1000).contains(&responses), "{responses}");

    // A method the server does not have: a trailers-only UNIMPLEMENTED response.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static("/grpc.examples.echo.Echo/Missing");
    let codec = rsfast::tonic::RsfastCodec::<EchoRequest, EchoRequest>::default();
    let status = grpc
        .unary(tonic::Request::new(EchoRequest::default()), path, codec)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unimplemented);
    let CallEvent::Finished { code, .. } = server.finished("Missing").await else {
        unreachable!()
    };
    assert_eq!(code, Code::Unimplemented);
}

/// `echo-interceptors server` and `echo-interceptors client` as a user runs them.
#[test]
fn echo_interceptors_binaries() {
    let bin = env!("CARGO_BIN_EXE_echo-interceptors");
    support::assert_help(bin, &["server", "client"]);
    let server = support::ServerProcess::start(
        bin,
        &["server", "--addr", "127.0.0.1:0"],
        "echo-interceptors listening on ",
    );
    let client = support::run(
        bin,
        &["client", "--addr", &server.addr, "--username", "bob"],
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(client.status.success(), "{stdout}");
    assert!(stdout.contains("UnaryEcho -> \"hello\""), "{stdout}");
    let lines = server.lines_until(LOG, |line| {
        line.contains("/BidirectionalStreamingEcho finished: Ok")
    });
    let started = lines
        .iter()
        .filter(|l| l.contains(" started, metadata: {username=bob"))
        .count();
    assert_eq!(started, 4, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l
            .contains("/grpc.examples.echo.Echo/ServerStreamingEcho finished: Ok after ")
            && l.ends_with("1 request(s), 10 response(s)")),
        "{lines:#?}"
    );
}
