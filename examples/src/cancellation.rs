//! Cancellation and deadlines, as every gRPC implementation reports them.
//!
//! Client side:
//! - [`CallLayer`], around the channel, ends calls early, streams included:
//!   - at their deadline (`Request::set_timeout`, sent as `grpc-timeout`, or the
//!     channel's `Endpoint::timeout`) with `DEADLINE_EXCEEDED`. tonic alone enforces a
//!     deadline only until the response headers arrive, and reports its own timeouts as
//!     `CANCELLED`;
//!   - when their [`CallContext`] (Go's `context.WithCancel`) is cancelled, with
//!     `CANCELLED` on the next receive.
//!
//!   Either way the server sees the stream reset (`RST_STREAM(CANCEL)`).
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
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{mpsc, oneshot, watch};
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
        let (tx, responses, delivered) = responses();
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
            drop(tx);
            sink(WorkStopped {
                method: "ServerStreamingEcho",
                responses: sent,
                why: confirm(why, delivered).await,
            });
        });
        Ok(Response::new(responses))
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
        Ok(Response::new(response(
            messages.join(crate::server::JOINER),
        )))
    }

    type BidirectionalStreamingEchoStream = ResponseStream;

    async fn bidirectional_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let mut requests = request.into_inner();
        let (tx, responses, delivered) = responses();
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
                    // The client is done sending, or reset the call (hyper ends a
                    // request body reset with CANCEL as if it were complete).
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
            drop(tx);
            sink(WorkStopped {
                method: "BidirectionalStreamingEcho",
                responses: sent,
                why: confirm(why, delivered).await,
            });
        });
        Ok(Response::new(responses))
    }
}

/// A channel feeding a response stream, the stream, and whether the stream was
/// delivered to its end (`Completed`) or dropped before (`ClientGone`: hyper drops a
/// response body when its stream is reset).
fn responses() -> (
    mpsc::Sender<Result<EchoResponse, Status>>,
    ResponseStream,
    oneshot::Receiver<Stopped>,
) {
    let (tx, rx) = mpsc::channel(1);
    let (delivered, outcome) = oneshot::channel();
    let stream = DeliveryStream {
        inner: ReceiverStream::new(rx),
        delivered: Some(delivered),
    };
    (tx, Box::pin(stream), outcome)
}

/// The work's own verdict, unless it completed: then whether its responses were
/// delivered (a reset call's requests end as if complete, see above).
async fn confirm(why: Stopped, delivered: oneshot::Receiver<Stopped>) -> Stopped {
    match why {
        Stopped::ClientGone => Stopped::ClientGone,
        Stopped::Completed => delivered.await.unwrap_or(Stopped::ClientGone),
    }
}

/// A response stream reporting whether it reached its end.
struct DeliveryStream {
    inner: ReceiverStream<Result<EchoResponse, Status>>,
    delivered: Option<oneshot::Sender<Stopped>>,
}

impl Stream for DeliveryStream {
    type Item = Result<EchoResponse, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(None) = next {
            if let Some(delivered) = self.delivered.take() {
                let _ = delivered.send(Stopped::Completed);
            }
        }
        next
    }
}

impl Drop for DeliveryStream {
    fn drop(&mut self) {
        if let Some(delivered) = self.delivered.take() {
            let _ = delivered.send(Stopped::ClientGone);
        }
    }
}

/// A call's cancellation, shared by the code that cancels and the call (Go's
/// `context.WithCancel`): attach it to a request, and [`CallLayer`] ends the call when
/// it is cancelled.
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

    /// Makes `request`'s call cancellable through this context.
    pub fn attach<T>(&self, request: &mut Request<T>) {
        request.extensions_mut().insert(self.clone());
    }

    /// Cancels the call: the server sees the stream reset (`RST_STREAM(CANCEL)`) and
    /// the client's next receive yields `CANCELLED`.
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
}

/// Ends calls at their deadline with `DEADLINE_EXCEEDED`, and calls whose
/// [`CallContext`] is cancelled with `CANCELLED`, whatever stage they are at (see the
/// module documentation). Put it around a `Channel`:
/// `EchoClient::new(CallLayer.layer(channel))`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallLayer;

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> CallService<S> {
        CallService { inner }
    }
}

/// A client service with deadlines and cancellation enforced (see [`CallLayer`]).
#[derive(Debug, Clone)]
pub struct CallService<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What ends a call early: its deadline, its cancellation.
struct CallEnd {
    deadline: Option<Pin<Box<Sleep>>>,
    cancelled: Option<BoxFuture<()>>,
}

impl CallEnd {
    fn new(deadline: Option<Instant>, context: Option<&CallContext>) -> CallEnd {
        CallEnd {
            deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
            cancelled: context.map(|c| Box::pin(c.cancelled()) as BoxFuture<()>),
        }
    }

    /// The status the call ends with, once it has to.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Status> {
        if let Some(cancelled) = &mut self.cancelled {
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Status::cancelled("the call was cancelled by the client"));
            }
        }
        if let Some(deadline) = &mut self.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Status::deadline_exceeded("deadline exceeded"));
            }
        }
        Poll::Pending
    }

    fn is_set(&self) -> bool {
        self.deadline.is_some() || self.cancelled.is_some()
    }
}

impl<S, B> Service<http::Request<tonic::body::Body>> for CallService<S>
where
    S: Service<http::Request<tonic::body::Body>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<CallBody<B>>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(as_deadline)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let deadline = grpc_timeout(request.headers()).map(|timeout| Instant::now() + timeout);
        let context = request.extensions().get::<CallContext>().cloned();
        let mut end = CallEnd::new(deadline, context.as_ref());
        if !end.is_set() {
            let response = self.inner.call(request);
            return Box::pin(async move {
                let response = response.await.map_err(as_deadline)?;
                Ok(response.map(|body| CallBody::new(body, end)))
            });
        }
        // The request body resets the stream when the call ends early, even while the
        // caller still holds its request stream open.
        let request_end = CallEnd::new(deadline, context.as_ref());
        let request = request.map(|body| {
            tonic::body::Body::new(ResettingBody {
                inner: body,
                end: request_end,
            })
        });
        let mut response = Box::pin(self.inner.call(request));
        Box::pin(async move {
            let response = std::future::poll_fn(|cx| {
                if let Poll::Ready(response) = response.as_mut().poll(cx) {
                    return Poll::Ready(response.map_err(as_deadline));
                }
                end.poll(cx).map(|status| Err(Box::new(status) as BoxError))
            })
            .await?;
            Ok(response.map(|body| CallBody::new(body, end)))
        })
    }
}

/// tonic's own timeout (`TimeoutExpired`, which tonic reports as `CANCELLED`) becomes
/// `DEADLINE_EXCEEDED`; other errors pass through.
fn as_deadline(error: impl Into<BoxError>) -> BoxError {
    let error = error.into();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*error);
    while let Some(e) = cause {
        if e.is::<tonic::TimeoutExpired>() {
            return Box::new(Status::deadline_exceeded("deadline exceeded"));
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
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
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

/// A request body that fails with an `h2` CANCEL error when the call ends early: hyper
/// then resets the stream with `RST_STREAM(CANCEL)`, as gRPC clients do (ending the body
/// cleanly instead would tell the server the client is done sending, not gone).
struct ResettingBody {
    inner: tonic::body::Body,
    end: CallEnd,
}

impl Body for ResettingBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.end.poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(h2::Error::from(h2::Reason::CANCEL)))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(|status| Box::new(status) as BoxError)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that fails with `DEADLINE_EXCEEDED` or `CANCELLED` when the call ends
/// early, dropping the stream it reads (which resets it if it is still open).
pub struct CallBody<B> {
    inner: Option<Pin<Box<B>>>,
    end: CallEnd,
}

impl<B> std::fmt::Debug for CallBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBody").finish_non_exhaustive()
    }
}

impl<B> CallBody<B> {
    fn new(inner: B, end: CallEnd) -> CallBody<B> {
        CallBody {
            inner: Some(Box::pin(inner)),
            end,
        }
    }
}

impl<B> Body for CallBody<B>
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
        if let Poll::Ready(status) = this.end.poll(cx) {
            this.inner = None;
            return Poll::Ready(Some(Err(Box::new(status))));
        }
        inner
            .as_mut()
            .poll_frame(cx)
            .map(|frame| frame.map(|f| f.map_err(as_deadline)))
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
