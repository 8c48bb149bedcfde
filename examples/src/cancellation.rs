//! Cancellation and deadlines, as every gRPC implementation reports them.
//!
//! Client side:
//! - [`CallContext`] cancels a call (Go's `context.WithCancel`): the next receive yields
//!   `CANCELLED`, and the server sees the stream reset (`RST_STREAM(CANCEL)`).
//! - [`DeadlineLayer`] enforces a call's deadline (`Request::set_timeout`, sent as
//!   `grpc-timeout`, or the channel's `Endpoint::timeout`) over the whole call, streams
//!   included, and reports `DEADLINE_EXCEEDED`. tonic alone enforces it only until the
//!   response headers arrive, and reports its own timeouts as `CANCELLED`.
//!
//! Server side, [`SlowEchoService`] works the way real services do (a unary call takes
//! a while, streams are fed by a worker task) and reports when each piece of work stops
//! and why, so one can see that it stops when the client goes away.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, Sleep};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use tower_layer::Layer;
use tower_service::Service;

use crate::connections::BoxError;
use crate::echo::echo_server::Echo;
use crate::echo::{EchoRequest, EchoResponse};
use crate::server::ResponseStream;

/// How many responses a server stream sends at most (every loop is bounded).
pub const MAX_STREAM_RESPONSES: usize = 10_000;

/// Why a piece of server work stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It did all it had to.
    Completed,
    /// The client cancelled, its deadline passed, or it went away: the call's stream
    /// was reset, so the work was abandoned.
    ClientGone,
}

/// A piece of server work that stopped: which method, after how many responses, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkStopped {
    pub method: &'static str,
    pub responses: usize,
    pub why: Stopped,
}

/// Receives a [`WorkStopped`] for every call the server handled.
pub type WorkSink = Arc<dyn Fn(WorkStopped) + Send + Sync>;

/// `grpc.examples.echo.Echo`, slowly: `UnaryEcho` answers after `unary_delay`,
/// `ServerStreamingEcho` sends the message every `stream_interval` up to
/// `stream_responses` times, `BidirectionalStreamingEcho` answers each message after
/// `stream_interval`. Every call reports when its work stops.
#[derive(Clone)]
pub struct SlowEchoService {
    pub unary_delay: Duration,
    pub stream_interval: Duration,
    pub stream_responses: usize,
    pub stopped: WorkSink,
}

impl std::fmt::Debug for SlowEchoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlowEchoService")
            .field("unary_delay", &self.unary_delay)
            .field("stream_interval", &self.stream_interval)
            .field("stream_responses", &self.stream_responses)
            .finish_non_exhaustive()
    }
}

/// Sleeps for `duration`, not at all when it is zero (the timer would round it up).
async fn pause(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}

fn response(message: String) -> EchoResponse {
    EchoResponse {
        message,
        ..Default::default()
    }
}

/// Reports `ClientGone` for a unary handler dropped before it answered (tonic drops the
/// handler's future when the call is reset or its `grpc-timeout` passes).
struct UnaryWork {
    sink: WorkSink,
    done: bool,
}

impl Drop for UnaryWork {
    fn drop(&mut self) {
        let why = if self.done {
            Stopped::Completed
        } else {
            Stopped::ClientGone
        };
        (self.sink)(WorkStopped {
            method: "UnaryEcho",
            responses: usize::from(self.done),
            why,
        });
    }
}

#[tonic::async_trait]
impl Echo for SlowEchoService {
    async fn unary_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoResponse>, Status> {
        let mut work = UnaryWork {
            sink: self.stopped.clone(),
            done: false,
        };
        pause(self.unary_delay).await;
        work.done = true;
        Ok(Response::new(response(request.into_inner().message)))
    }

    type ServerStreamingEchoStream = ResponseStream;

    async fn server_streaming_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let message = request.into_inner().message;
        let (tx, rx) = mpsc::channel(1);
        let (interval, count, sink) = (
            self.stream_interval,
            self.stream_responses.min(MAX_STREAM_RESPONSES),
            self.stopped.clone(),
        );
        tokio::spawn(async move {
            let mut sent = 0;
            let why = loop {
                if sent == count {
                    break Stopped::Completed;
                }
                // The response stream is dropped when the client resets the call.
                tokio::select! {
                    () = pause(interval) => {}
                    () = tx.closed() => break Stopped::ClientGone,
                }
                if tx.send(Ok(response(message.clone()))).await.is_err() {
                    break Stopped::ClientGone;
                }
                sent += 1;
            };
            sink(WorkStopped {
                method: "ServerStreamingEcho",
                responses: sent,
                why,
            });
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn client_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let mut requests = request.into_inner();
        let mut messages = Vec::new();
        while let Some(request) = requests.message().await? {
            messages.push(request.message);
        }
        Ok(Response::new(response(messages.join(crate::server::JOINER))))
    }

    type BidirectionalStreamingEchoStream = ResponseStream;

    async fn bidirectional_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let mut requests = request.into_inner();
        let (tx, rx) = mpsc::channel(1);
        let (interval, sink) = (self.stream_interval, self.stopped.clone());
        tokio::spawn(async move {
            let mut sent = 0;
            let why = loop {
                let request = tokio::select! {
                    request = requests.message() => request,
                    () = tx.closed() => break Stopped::ClientGone,
                };
                let message = match request {
                    Ok(Some(request)) => request.message,
                    Ok(None) => break Stopped::Completed,
                    // A reset stream: the client cancelled or went away.
                    Err(_) => break Stopped::ClientGone,
                };
                tokio::select! {
                    () = pause(interval) => {}
                    () = tx.closed() => break Stopped::ClientGone,
                }
                if tx.send(Ok(response(message))).await.is_err() {
                    break Stopped::ClientGone;
                }
                sent += 1;
            };
            sink(WorkStopped {
                method: "BidirectionalStreamingEcho",
                responses: sent,
                why,
            });
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// A call's cancellation, shared by the code that cancels and the code that sends and
/// receives (Go's `context.WithCancel`).
#[derive(Debug, Clone)]
pub struct CallContext {
    cancelled: Arc<watch::Sender<bool>>,
}

impl Default for CallContext {
    fn default() -> Self {
        CallContext::new()
    }
}

impl CallContext {
    pub fn new() -> CallContext {
        CallContext {
            cancelled: Arc::new(watch::channel(false).0),
        }
    }

    /// Cancels the call: its request stream ends, its next receive yields `CANCELLED`,
    /// and the server sees the stream reset.
    pub fn cancel(&self) {
        self.cancelled.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Completes once the call is cancelled.
    pub fn cancelled(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut cancelled = self.cancelled.subscribe();
        async move {
            // The sender lives as long as any context: `wait_for` cannot fail first.
            let _ = cancelled.wait_for(|c| *c).await;
        }
    }

    /// The call's outgoing messages: `requests`, ending when the call is cancelled.
    pub fn requests<S: Stream + Send + 'static>(&self, requests: S) -> impl Stream<Item = S::Item> {
        requests.take_until(Box::pin(self.cancelled()))
    }

    /// The call's incoming messages, which yield `CANCELLED` once the call is cancelled.
    pub fn responses<T>(&self, responses: Streaming<T>) -> CancellableStreaming<T> {
        CancellableStreaming {
            inner: Some(responses),
            context: self.clone(),
        }
    }
}

/// The responses of a call that a [`CallContext`] can cancel.
#[derive(Debug)]
pub struct CancellableStreaming<T> {
    inner: Option<Streaming<T>>,
    context: CallContext,
}

impl<T> CancellableStreaming<T> {
    /// The next message, `None` at the end of the stream, or the call's error:
    /// `CANCELLED` once the call is cancelled.
    pub async fn message(&mut self) -> Result<Option<T>, Status> {
        let cancelled = || Status::cancelled("the call was cancelled by the client");
        let Some(inner) = self.inner.as_mut() else {
            return Err(cancelled());
        };
        let next = tokio::select! {
            biased;
            () = self.context.cancelled() => None,
            next = inner.message() => Some(next),
        };
        match next {
            Some(next) if !self.context.is_cancelled() => next,
            _ => {
                // Dropping the responses (with the requests ended) resets the stream.
                self.inner = None;
                Err(cancelled())
            }
        }
    }
}

/// Enforces each call's deadline over the whole call and reports `DEADLINE_EXCEEDED`
/// (see the module documentation). Put it around a `Channel`:
/// `EchoClient::new(DeadlineLayer.layer(channel))`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeadlineLayer;

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Deadline<S> {
        Deadline { inner }
    }
}

/// A client service with deadlines enforced (see [`DeadlineLayer`]).
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<tonic::body::Body>> for Deadline<S>
where
    S: Service<http::Request<tonic::body::Body>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<DeadlineBody<B>>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(as_deadline)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let deadline = grpc_timeout(request.headers()).map(|timeout| Instant::now() + timeout);
        let Some(deadline) = deadline else {
            let response = self.inner.call(request);
            return Box::pin(async move {
                let response = response.await.map_err(as_deadline)?;
                Ok(response.map(|body| DeadlineBody::new(body, None)))
            });
        };
        // The requests end at the deadline too, so that dropping the responses resets
        // the stream (h2 resets a stream once neither side of it is held).
        let request = request.map(|body| {
            tonic::body::Body::new(RequestsUntil {
                inner: body,
                deadline: Box::pin(tokio::time::sleep_until(deadline)),
            })
        });
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = tokio::time::timeout_at(deadline, response)
                .await
                .map_err(|_| deadline_exceeded())?
                .map_err(as_deadline)?;
            Ok(response.map(|body| DeadlineBody::new(body, Some(deadline))))
        })
    }
}

fn deadline_exceeded() -> BoxError {
    Box::new(Status::deadline_exceeded("deadline exceeded"))
}

/// tonic's own timeout (`TimeoutExpired`, which tonic reports as `CANCELLED`) becomes
/// `DEADLINE_EXCEEDED`; other errors pass through.
fn as_deadline(error: impl Into<BoxError>) -> BoxError {
    let error = error.into();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
    while let Some(e) = cause {
        if e.is::<tonic::TimeoutExpired>() {
            return deadline_exceeded();
        }
        cause = e.source();
    }
    error
}

/// The `grpc-timeout` header: digits then a unit (`H`, `M`, `S`, `m`, `u`, `n`).
pub fn grpc_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    if value.is_empty() || value.len() > 9 {
        return None; // the spec allows at most 8 digits
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// A request body that ends at the deadline.
struct RequestsUntil {
    inner: tonic::body::Body,
    deadline: Pin<Box<Sleep>>,
}

impl Body for RequestsUntil {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that fails with `DEADLINE_EXCEEDED` at the deadline, dropping the
/// stream it reads (which resets it: the server sees the call cancelled).
pub struct DeadlineBody<B> {
    inner: Option<Pin<Box<B>>>,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<B> std::fmt::Debug for DeadlineBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineBody").finish_non_exhaustive()
    }
}

impl<B> DeadlineBody<B> {
    fn new(inner: B, deadline: Option<Instant>) -> DeadlineBody<B> {
        DeadlineBody {
            inner: Some(Box::pin(inner)),
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
        }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(frame) = inner.as_mut().poll_frame(cx) {
            if frame.is_none() {
                this.deadline = None;
            }
            return Poll::Ready(frame.map(|f| f.map_err(as_deadline)));
        }
        match this.deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => {
                this.inner = None;
                Poll::Ready(Some(Err(deadline_exceeded())))
            }
            _ => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), |b| b.size_hint())
    }
}

#[cfg(test)]
mod tests {
    use super::grpc_timeout;
    use std::time::Duration;

    fn parse(value: &str) -> Option<Duration> {
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().unwrap());
        grpc_timeout(&headers)
    }

    #[test]
    fn grpc_timeout_units() {
        assert_eq!(parse("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("3M"), Some(Duration::from_secs(180)));
        assert_eq!(parse("4S"), Some(Duration::from_secs(4)));
        assert_eq!(parse("150m"), Some(Duration::from_millis(150)));
        assert_eq!(parse("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "S", "10", "10x", "123456789S", "-1S"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
