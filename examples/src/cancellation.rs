//! Cancellation and deadlines on the client, as every gRPC implementation reports them.
//!
//! [`CallLayer`], around the channel, ends calls early, streams included:
//! - at their deadline (`Request::set_timeout`, sent as `grpc-timeout`, or the channel's
//!   `Endpoint::timeout`) with `DEADLINE_EXCEEDED`. tonic alone enforces a deadline only
//!   until the response headers arrive, and reports its own timeouts as `CANCELLED`: the
//!   client's (`TimeoutExpired` from inside the `Channel`) and the server's too (a tonic
//!   server enforces `grpc-timeout` and answers `CANCELLED` "Timeout expired"). The
//!   deadline wins ties: whatever the call yields once it has passed is
//!   `DEADLINE_EXCEEDED`, even before the client's timer fires (a starved client may read
//!   the server's answer first);
//! - when their [`CallContext`] (Go's `context.WithCancel`) is cancelled, with
//!   `CANCELLED` on the next receive.
//!
//! Either way the server sees the stream reset (`RST_STREAM(CANCEL)`), so it can stop
//! its work: [`crate::slow_echo::SlowEchoService`] shows it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep};
use tonic::{Request, Status};
use tower_layer::Layer;
use tower_service::Service;

use crate::connections::BoxError;

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

    /// The status the call ends with, once it has to. The deadline counts as passed as
    /// soon as the clock says so, before its timer fires: the timer fires only when the
    /// runtime gets to it, possibly after an answer that came later (the server's own
    /// timeout, say).
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Status> {
        if let Some(cancelled) = &mut self.cancelled {
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Status::cancelled("the call was cancelled by the client"));
            }
        }
        if let Some(deadline) = &mut self.deadline {
            if Instant::now() >= deadline.deadline() || deadline.as_mut().poll(cx).is_ready() {
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
                let response = response.as_mut().poll(cx);
                // The call's end wins ties, checked after the response so that one read
                // once the deadline has passed loses too: a tonic server that enforced
                // the deadline itself answers `CANCELLED` "Timeout expired", at the
                // earliest at the client's deadline (its clock starts later).
                if let Poll::Ready(status) = end.poll(cx) {
                    return Poll::Ready(Err(Box::new(status) as BoxError));
                }
                response.map(|response| response.map_err(as_deadline))
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
    use super::{grpc_timeout, CallLayer};
    use crate::connections::BoxError;
    use crate::echo::echo_client::EchoClient;
    use crate::echo::EchoRequest;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;
    use tonic::{Code, Request, Status};
    use tower_layer::Layer as _;
    use tower_service::Service;

    /// A server that enforces the call's deadline itself, as tonic's does: once it has
    /// passed, it answers trailers-only with `CANCELLED` "Timeout expired". `late` is how
    /// long after the call the answer is ready, the caller's thread blocked until then (a
    /// client starved of CPU, whose timer has not fired yet).
    #[derive(Clone)]
    struct ServerTimeout {
        late: Duration,
    }

    impl Service<http::Request<tonic::body::Body>> for ServerTimeout {
        type Response = http::Response<tonic::body::Body>;
        type Error = BoxError;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<tonic::body::Body>) -> Self::Future {
            let late = self.late;
            Box::pin(async move {
                std::thread::sleep(late);
                Ok(Status::cancelled("Timeout expired").into_http())
            })
        }
    }

    /// The client's deadline wins over the server's own timeout, even when the server's
    /// answer is read before the client's timer fires.
    #[tokio::test]
    async fn deadline_wins_over_server_timeout() {
        let mut client = EchoClient::new(CallLayer.layer(ServerTimeout {
            late: Duration::from_millis(80),
        }));
        let mut call = Request::new(EchoRequest::default());
        call.set_timeout(Duration::from_millis(30));
        let status = client.unary_echo(call).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");

        // Before the deadline, the server's answer is the call's.
        let mut call = Request::new(EchoRequest::default());
        call.set_timeout(Duration::from_secs(30));
        let status = client.unary_echo(call).await.unwrap_err();
        assert_eq!(status.code(), Code::Cancelled, "{status:?}");
    }

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
