//! Cancellation and deadlines over real sockets on 127.0.0.1: a cancelled bidirectional
//! stream yields CANCELLED; deadlines yield DEADLINE_EXCEEDED before the first response
//! and mid-stream; and in each case the server's work stops. Then `echo-cancel` end to
//! end.
//!
//! Every server listens on a free port; every wait is bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsfast_examples::cancellation::{CallContext, CallLayer, CallService};
use rsfast_examples::echo::echo_client::EchoClient;
use rsfast_examples::echo::echo_server::EchoServer;
use rsfast_examples::echo::EchoRequest;
use rsfast_examples::slow_echo::{SlowEchoService, Stopped, WorkStopped};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Code, Request};
use tower_layer::Layer as _;

mod support;

/// How long the server may take to report that its work stopped.
const STOP_REPORT: Duration = Duration::from_secs(5);
/// The bound on each whole test.
const TEST: Duration = Duration::from_secs(30);

/// A SlowEchoService on a free port; its work reports arrive on `stopped`; the server
/// stops when `_shutdown` drops.
struct Slow {
    addr: SocketAddr,
    stopped: mpsc::UnboundedReceiver<WorkStopped>,
    _shutdown: oneshot::Sender<()>,
}

impl Slow {
    async fn start(unary_delay: Duration, stream_interval: Duration, responses: usize) -> Slow {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (report, stopped) = mpsc::unbounded_channel();
        let service = SlowEchoService {
            unary_delay,
            stream_interval,
            stream_responses: responses,
            stopped: Arc::new(move |w| {
                let _ = report.send(w);
            }),
        };
        let (shutdown, signal) = oneshot::channel::<()>();
        tokio::spawn(
            Server::builder()
                .add_service(EchoServer::new(service))
                .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                    let _ = signal.await;
                }),
        );
        Slow {
            addr,
            stopped,
            _shutdown: shutdown,
        }
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
    }

    async fn client(&self) -> EchoClient<CallService<Channel>> {
        let channel = self.endpoint().connect().await.unwrap();
        EchoClient::new(CallLayer.layer(channel))
    }

    /// The next report of stopped work (bounded wait).
    async fn next_stop(&mut self) -> WorkStopped {
        tokio::time::timeout(STOP_REPORT, self.stopped.recv())
            .await
            .expect("the server's work did not stop")
            .expect("server gone")
    }
}

fn request(message: &str) -> EchoRequest {
    EchoRequest {
        message: message.to_owned(),
        ..Default::default()
    }
}

async fn bounded<F: std::future::Future>(test: F) -> F::Output {
    tokio::time::timeout(TEST, test)
        .await
        .expect("test timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_bidi_stream_yields_cancelled_and_server_stops() {
    bounded(async {
        let mut server = Slow::start(Duration::ZERO, Duration::from_millis(10), 0).await;
        let mut client = server.client().await;
        let context = CallContext::new();
        // The sender stays alive throughout: cancelling must end the call by itself.
        let (tx, rx) = mpsc::channel(1);
        let mut call = Request::new(ReceiverStream::new(rx));
        context.attach(&mut call);
        let mut responses = client
            .bidirectional_streaming_echo(call)
            .await
            .unwrap()
            .into_inner();
        for i in 0..3 {
            let message = format!("ping {i}");
            tx.send(request(&message)).await.unwrap();
            let response = responses.message().await.unwrap().unwrap();
            assert_eq!(response.message, message);
        }
        context.cancel();
        let status = responses.message().await.unwrap_err();
        assert_eq!(status.code(), Code::Cancelled, "{status}");

        let stopped = server.next_stop().await;
        assert_eq!(
            stopped,
            WorkStopped {
                method: "BidirectionalStreamingEcho",
                responses: 3,
                why: Stopped::ClientGone,
            }
        );
        drop(tx);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_deadline_yields_deadline_exceeded_and_server_abandons() {
    bounded(async {
        let mut server = Slow::start(Duration::from_secs(3), Duration::ZERO, 0).await;
        let mut client = server.client().await;
        let mut call = Request::new(request("slow"));
        call.set_timeout(Duration::from_millis(200));
        let started = Instant::now();
        let status = client.unary_echo(call).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
        let stopped = server.next_stop().await;
        assert_eq!(stopped.method, "UnaryEcho");
        assert_eq!(stopped.why, Stopped::ClientGone);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_mid_server_stream_yields_deadline_exceeded_and_server_stops() {
    bounded(async {
        let mut server = Slow::start(Duration::ZERO, Duration::from_millis(100), 1000).await;
        let mut client = server.client().await;
        let mut call = Request::new(request("tick"));
        call.set_timeout(Duration::from_millis(650));
        let mut stream = client
            .server_streaming_echo(call)
            .await
            .unwrap()
            .into_inner();
        let mut received = 0;
        let status = loop {
            match stream.message().await {
                Ok(Some(response)) => {
                    assert_eq!(response.message, "tick");
                    received += 1;
                }
                Ok(None) => panic!("the stream ended before its deadline"),
                Err(status) => break status,
            }
        };
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
        // About 6 responses fit in 650ms: the deadline struck mid-stream.
        assert!((1..1000).contains(&received), "{received} responses");

        let stopped = server.next_stop().await;
        assert_eq!(stopped.method, "ServerStreamingEcho");
        assert_eq!(stopped.why, Stopped::ClientGone);
        assert!(stopped.responses >= received && stopped.responses < 1000);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_mid_bidi_stream_yields_deadline_exceeded_and_server_stops() {
    bounded(async {
        let mut server = Slow::start(Duration::ZERO, Duration::from_millis(50), 0).await;
        let mut client = server.client().await;
        // The requests stay open: the deadline must end the call on its own.
        let (tx, rx) = mpsc::channel(1);
        let mut call = Request::new(ReceiverStream::new(rx));
        call.set_timeout(Duration::from_millis(500));
        let mut responses = client
            .bidirectional_streaming_echo(call)
            .await
            .unwrap()
            .into_inner();
        let mut answered = 0;
        let status = loop {
            // A bounded number of round trips: 500ms allow about 10.
            assert!(answered < 1000, "the deadline never struck");
            if tx.send(request("ping")).await.is_err() {
                // The call is over: the receive below reports how.
            }
            match responses.message().await {
                Ok(Some(_)) => answered += 1,
                Ok(None) => panic!("the stream ended before its deadline"),
                Err(status) => break status,
            }
        };
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
        assert!(answered >= 1, "{answered} answers");
        let stopped = server.next_stop().await;
        assert_eq!(stopped.method, "BidirectionalStreamingEcho");
        assert_eq!(stopped.why, Stopped::ClientGone);
        drop(tx);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_timeout_is_deadline_exceeded_not_cancelled() {
    bounded(async {
        let server = Slow::start(Duration::from_secs(3), Duration::ZERO, 0).await;
        let channel = server
            .endpoint()
            .timeout(Duration::from_millis(200))
            .connect()
            .await
            .unwrap();
        // tonic alone reports its own timeout as CANCELLED...
        let mut plain = EchoClient::new(channel.clone());
        let status = plain.unary_echo(request("slow")).await.unwrap_err();
        assert_eq!(status.code(), Code::Cancelled, "{status}");
        // ...the deadline layer as DEADLINE_EXCEEDED, as gRPC specifies.
        let mut client = EchoClient::new(CallLayer.layer(channel));
        let status = client.unary_echo(request("slow")).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_within_their_deadline_complete() {
    bounded(async {
        let mut server = Slow::start(Duration::from_millis(50), Duration::from_millis(20), 5).await;
        let mut client = server.client().await;

        let mut call = Request::new(request("quick"));
        call.set_timeout(Duration::from_secs(10));
        let response = client.unary_echo(call).await.unwrap().into_inner();
        assert_eq!(response.message, "quick");
        assert_eq!(server.next_stop().await.why, Stopped::Completed);

        let mut call = Request::new(request("five"));
        call.set_timeout(Duration::from_secs(10));
        let mut stream = client
            .server_streaming_echo(call)
            .await
            .unwrap()
            .into_inner();
        let mut received = 0;
        while let Some(response) = stream.message().await.unwrap() {
            assert_eq!(response.message, "five");
            received += 1;
        }
        assert_eq!(received, 5);
        assert_eq!(
            server.next_stop().await,
            WorkStopped {
                method: "ServerStreamingEcho",
                responses: 5,
                why: Stopped::Completed,
            }
        );
    })
    .await;
}

/// `echo-cancel server` and `echo-cancel client` as a user runs them.
#[test]
fn echo_cancel_binaries() {
    let bin = env!("CARGO_BIN_EXE_echo-cancel");
    support::assert_help(bin, &["server", "client"]);
    let server = support::ServerProcess::start(
        bin,
        &[
            "server",
            "--addr",
            "127.0.0.1:0",
            "--unary-delay",
            "3s",
            "--stream-interval",
            "100ms",
        ],
        "echo-cancel listening on ",
    );
    let client = support::run(
        bin,
        &[
            "client",
            "--addr",
            &server.addr,
            "--unary-deadline",
            "300ms",
            "--stream-deadline",
            "550ms",
        ],
        Duration::from_secs(30),
    );
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(
        client.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&client.stderr)
    );
    assert!(
        stdout.contains("BidirectionalStreamingEcho, next receive: Cancelled"),
        "{stdout}"
    );
    assert!(
        stdout.contains("UnaryEcho with a 300ms deadline: DeadlineExceeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ServerStreamingEcho with a 550ms deadline"),
        "{stdout}"
    );
    // Three calls, three pieces of work the server abandoned.
    let mut abandoned = Vec::new();
    server.lines_until(STOP_REPORT, |line| {
        if line.ends_with("the client cancelled or its deadline passed") {
            abandoned.push(line.split(' ').next().unwrap_or_default().to_owned());
        }
        abandoned.len() == 3
    });
    abandoned.sort();
    assert_eq!(
        abandoned,
        [
            "BidirectionalStreamingEcho",
            "ServerStreamingEcho",
            "UnaryEcho"
        ]
    );
}
