//! Client-side round-robin load balancing over a set of backends that can change while
//! calls run (a static list, or [`crate::etcd::Resolver`] following an etcd prefix).
//!
//! tonic's own `Channel::balance_list` picks by "power of two choices" (least loaded of
//! two random backends), which does not spread sequential calls evenly; [`RoundRobin`]
//! is a picker that takes the backends in turn. A backend that refuses connections is
//! marked down and skipped (the call goes on to the next backend: its request never left,
//! so sending it elsewhere is safe), and tried again after a backoff.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio_stream::StreamExt as _;
use tonic::body::Body;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status, Streaming};
use tower::{Service, ServiceExt as _};

use crate::echo::echo_server::Echo;
use crate::echo::{EchoRequest, EchoResponse};
use crate::replay::{Replay, DEFAULT_REPLAY_LIMIT};
use crate::retry::is_connect_error;
use crate::server::{EchoService, ResponseStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a backend that refused a connection is skipped: doubling per failure in a
/// row, from the first to the last.
const DOWN_BACKOFF: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(5));

/// How long connecting to one backend may take before it counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A tower service (under a tonic client) that sends each call to the next backend in
/// turn. Clones share the backends and the turn.
#[derive(Debug, Clone, Default)]
pub struct RoundRobin {
    state: Arc<Mutex<Backends>>,
}

#[derive(Debug, Default)]
struct Backends {
    list: Vec<Backend>,
    /// The index in `list` where the next pick starts.
    next: usize,
}

#[derive(Debug)]
struct Backend {
    addr: String,
    channel: Channel,
    /// Consecutive connection failures; 0 when up.
    failures: u32,
    /// Skipped until then, after a connection failure.
    down_until: Option<Instant>,
}

impl Backends {
    /// The next backend in turn that is not down (or, when all are, the next in turn:
    /// one of them may be back).
    fn pick(&mut self, exclude: &[String]) -> Option<(String, Channel)> {
        let now = Instant::now();
        let n = self.list.len();
        let candidates = (0..n)
            .map(|i| (self.next + i) % n)
            .filter(|&i| !exclude.contains(&self.list[i].addr));
        let mut first = None;
        for i in candidates {
            first.get_or_insert(i);
            if self.list[i].down_until.is_none_or(|t| t <= now) {
                first = Some(i);
                break;
            }
        }
        let i = first?;
        self.next = (i + 1) % n;
        let backend = &self.list[i];
        Some((backend.addr.clone(), backend.channel.clone()))
    }

    fn backend(&mut self, addr: &str) -> Option<&mut Backend> {
        self.list.iter_mut().find(|b| b.addr == addr)
    }
}

impl RoundRobin {
    /// Balances over `addrs` (`host:port`, plaintext).
    pub fn new(addrs: &[String]) -> Result<RoundRobin, tonic::transport::Error> {
        let balancer = RoundRobin::default();
        balancer.set_backends(addrs)?;
        Ok(balancer)
    }

    fn lock(&self) -> MutexGuard<'_, Backends> {
        // Updates are single assignments: a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the backends by `addrs`, in that order; backends that stay keep their
    /// connection and their down state.
    pub fn set_backends(&self, addrs: &[String]) -> Result<(), tonic::transport::Error> {
        let mut state = self.lock();
        let mut list = Vec::with_capacity(addrs.len());
        for addr in addrs {
            if list.iter().any(|b: &Backend| &b.addr == addr) {
                continue;
            }
            let kept = state
                .list
                .iter()
                .position(|b| &b.addr == addr)
                .map(|i| state.list.swap_remove(i));
            let backend = match kept {
                Some(backend) => backend,
                None => Backend {
                    addr: addr.clone(),
                    // Lazy: connects on its first call, reconnects after losing the server.
                    channel: Endpoint::from_shared(format!("http://{addr}"))?
                        .connect_timeout(CONNECT_TIMEOUT)
                        .connect_lazy(),
                    failures: 0,
                    down_until: None,
                },
            };
            list.push(backend);
        }
        state.next = if list.is_empty() {
            0
        } else {
            state.next % list.len()
        };
        state.list = list;
        Ok(())
    }

    /// The backends' addresses, in turn order.
    pub fn backends(&self) -> Vec<String> {
        self.lock().list.iter().map(|b| b.addr.clone()).collect()
    }

    fn mark(&self, addr: &str, up: bool) {
        let mut state = self.lock();
        if let Some(backend) = state.backend(addr) {
            if up {
                backend.failures = 0;
                backend.down_until = None;
            } else {
                backend.failures += 1;
                let doublings = backend.failures.saturating_sub(1).min(16);
                let delay = (DOWN_BACKOFF.0 * 2u32.pow(doublings)).min(DOWN_BACKOFF.1);
                backend.down_until = Some(Instant::now() + delay);
            }
        }
    }
}

impl Service<http::Request<Body>> for RoundRobin {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Each call waits for the backend it picks.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let balancer = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let replay = Replay::new(body, DEFAULT_REPLAY_LIMIT);
            // Each backend is tried at most once per call.
            let mut tried = Vec::new();
            let mut last_error = None;
            loop {
                let picked = balancer.lock().pick(&tried);
                let Some((addr, channel)) = picked else {
                    // Every backend refused: their last connect error says so, and lets a
                    // retry layer above wait for one (waitForReady).
                    return Err(match last_error {
                        Some(error) => BoxError::from(error),
                        None => Status::unavailable("no backends").into(),
                    });
                };
                let request = http::Request::from_parts(parts.clone(), replay.attempt());
                let result = match channel.ready_oneshot().await {
                    Ok(mut channel) => channel.call(request).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(response) => {
                        balancer.mark(&addr, true);
                        return Ok(response);
                    }
                    Err(error) if is_connect_error(&error) && replay.replayable() => {
                        balancer.mark(&addr, false);
                        tried.push(addr);
                        last_error = Some(error);
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        })
    }
}

/// An Echo service that puts its name in front of every answer of `inner` (`[name]
/// message`), so that a client sees which backend served it.
#[derive(Debug)]
pub struct NamedEcho<S = EchoService> {
    name: Arc<str>,
    inner: S,
}

impl NamedEcho {
    /// Answers as [`EchoService`] does.
    pub fn new(name: &str) -> NamedEcho {
        NamedEcho::wrap(name, EchoService)
    }
}

impl<S> NamedEcho<S> {
    /// Answers as `inner` does (failures included).
    pub fn wrap(name: &str, inner: S) -> NamedEcho<S> {
        NamedEcho {
            name: name.into(),
            inner,
        }
    }

    fn sign(name: &str, mut response: EchoResponse) -> EchoResponse {
        response.message = format!("[{name}] {}", response.message);
        response
    }

    fn sign_stream(&self, responses: Response<ResponseStream>) -> Response<ResponseStream> {
        let name = self.name.clone();
        responses.map(|stream| -> ResponseStream {
            Box::pin(stream.map(move |response| response.map(|r| Self::sign(&name, r))))
        })
    }
}

#[tonic::async_trait]
impl<S> Echo for NamedEcho<S>
where
    S: Echo<
        ServerStreamingEchoStream = ResponseStream,
        BidirectionalStreamingEchoStream = ResponseStream,
    >,
{
    async fn unary_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoResponse>, Status> {
        let response = self.inner.unary_echo(request).await?;
        Ok(response.map(|r| Self::sign(&self.name, r)))
    }

    type ServerStreamingEchoStream = ResponseStream;

    async fn server_streaming_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let responses = self.inner.server_streaming_echo(request).await?;
        Ok(self.sign_stream(responses))
    }

    async fn client_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let response = self.inner.client_streaming_echo(request).await?;
        Ok(response.map(|r| Self::sign(&self.name, r)))
    }

    type BidirectionalStreamingEchoStream = ResponseStream;

    async fn bidirectional_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let responses = self.inner.bidirectional_streaming_echo(request).await?;
        Ok(self.sign_stream(responses))
    }
}

/// The backend name in an answer of [`NamedEcho`]: `alpha` in `[alpha] hello`.
pub fn backend_of(message: &str) -> Option<&str> {
    message
        .strip_prefix('[')?
        .split_once(']')
        .map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn picks(balancer: &RoundRobin, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| balancer.lock().pick(&[]).unwrap().0)
            .collect()
    }

    #[tokio::test]
    async fn takes_turns_and_skips_backends_that_are_down() {
        let balancer = RoundRobin::new(&addrs(&["a:1", "b:1", "c:1"])).unwrap();
        assert_eq!(
            picks(&balancer, 6),
            addrs(&["a:1", "b:1", "c:1", "a:1", "b:1", "c:1"])
        );
        balancer.mark("b:1", false);
        assert_eq!(picks(&balancer, 4), addrs(&["a:1", "c:1", "a:1", "c:1"]));
        // All down: still try them in turn rather than fail without trying.
        balancer.mark("a:1", false);
        balancer.mark("c:1", false);
        assert_eq!(picks(&balancer, 3).len(), 3);
        balancer.mark("b:1", true);
        assert_eq!(picks(&balancer, 2), addrs(&["b:1", "b:1"]));
    }

    #[tokio::test]
    async fn updates_keep_the_turn_and_the_connections() {
        let balancer = RoundRobin::new(&addrs(&["a:1", "b:1"])).unwrap();
        balancer.mark("b:1", false);
        balancer
            .set_backends(&addrs(&["b:1", "c:1", "b:1"]))
            .unwrap();
        assert_eq!(balancer.backends(), addrs(&["b:1", "c:1"]));
        // b stays down across the update.
        assert_eq!(picks(&balancer, 2), addrs(&["c:1", "c:1"]));
        balancer.set_backends(&[]).unwrap();
        assert!(balancer.lock().pick(&[]).is_none());
    }

    /// A port on 127.0.0.1 that nothing listens on (until the caller binds it).
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    fn hello() -> EchoRequest {
        EchoRequest {
            message: "hi".to_owned(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn all_backends_down_is_a_connect_error_that_wait_for_ready_waits_out() {
        use crate::echo::echo_client::EchoClient;
        use crate::echo::echo_server::EchoServer;
        use crate::retry::{RetryLayer, ServiceConfig};

        let ports = [closed_port(), closed_port()];
        let addrs: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let balancer = RoundRobin::new(&addrs).unwrap();
        let mut client = EchoClient::new(balancer.clone());
        let status = client.unary_echo(hello()).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unavailable, "{status}");
        assert!(
            std::error::Error::source(&status).is_some_and(crate::retry::is_connect_error),
            "{status:?}"
        );

        // waitForReady over the balancer: the call waits until one backend comes up.
        let config = ServiceConfig::from_json(
            r#"{"methodConfig": [{"name": [{}], "waitForReady": true, "timeout": "20s"}]}"#,
        )
        .unwrap();
        let mut client = EchoClient::new(
            tower::ServiceBuilder::new()
                .layer(RetryLayer::new(config))
                .service(balancer),
        );
        let call = tokio::spawn(async move { client.unary_echo(hello()).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", ports[1]))
            .await
            .unwrap();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(EchoServer::new(NamedEcho::new("late")))
                .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
        );
        let response = tokio::time::timeout(Duration::from_secs(20), call)
            .await
            .expect("the call ends")
            .unwrap()
            .unwrap();
        assert_eq!(response.into_inner().message, "[late] hi");
        server.abort();
    }

    #[test]
    fn names_in_answers() {
        assert_eq!(backend_of("[alpha] hi"), Some("alpha"));
        assert_eq!(backend_of("alpha hi"), None);
    }
}
