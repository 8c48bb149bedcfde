//! Interceptors: a server-side tower layer that logs every call (peer address, method,
//! metadata, messages each way, status and latency) and a client interceptor that adds
//! `username` metadata to every call.
//!
//! tonic's `Interceptor` sees only the request, so it cannot time a call: the server side
//! is a tower layer around the services instead. It times unary and streaming calls
//! alike: a call ends when its response body ends (for a stream, after the last message
//! and the trailers), or when the client cancels it (the body is dropped unfinished).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Buf as _;
use http_body::{Body, Frame, SizeHint};
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::service::Interceptor;
use tonic::transport::server::TcpConnectInfo;
use tonic::{Code, Status};
use tower_layer::Layer;
use tower_service::Service;

/// The metadata key the client interceptor sets.
pub const USERNAME: &str = "username";

/// Adds `username: <name>` to the metadata of every call it intercepts.
#[derive(Debug, Clone)]
pub struct UsernameInterceptor {
    username: AsciiMetadataValue,
}

impl UsernameInterceptor {
    /// Fails when `username` cannot be a metadata value (non-visible-ASCII characters).
    pub fn new(username: &str) -> Result<UsernameInterceptor, Status> {
        let username = username
            .parse()
            .map_err(|_| Status::invalid_argument("username must be visible ASCII"))?;
        Ok(UsernameInterceptor { username })
    }
}

impl Interceptor for UsernameInterceptor {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, Status> {
        request
            .metadata_mut()
            .insert(USERNAME, self.username.clone());
        Ok(request)
    }
}

/// Headers every gRPC call carries: left out of the logged metadata.
const TRANSPORT_HEADERS: &[&str] = &[
    "content-type",
    "te",
    "user-agent",
    "grpc-accept-encoding",
    "grpc-encoding",
    "grpc-timeout",
    "accept-encoding",
];

/// A call, as the log layer reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The call arrived: its peer, method (`/package.Service/Method`) and metadata.
    Started {
        peer: Option<SocketAddr>,
        method: String,
        metadata: Vec<(String, String)>,
    },
    /// The call ended: how many messages went each way, its status (`Cancelled` when
    /// the client went away first) and how long it took.
    Finished {
        peer: Option<SocketAddr>,
        method: String,
        requests: usize,
        responses: usize,
        code: Code,
        latency: Duration,
    },
}

/// Receives every [`CallEvent`].
pub type CallSink = Arc<dyn Fn(CallEvent) + Send + Sync>;

/// The tower layer logging each call to a [`CallSink`].
#[derive(Clone)]
pub struct LogLayer {
    sink: CallSink,
}

impl LogLayer {
    pub fn new(sink: CallSink) -> LogLayer {
        LogLayer { sink }
    }
}

impl std::fmt::Debug for LogLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogLayer")
    }
}

impl<S> Layer<S> for LogLayer {
    type Service = LogService<S>;

    fn layer(&self, inner: S) -> LogService<S> {
        LogService {
            inner,
            sink: self.sink.clone(),
        }
    }
}

/// A service whose calls are logged (see [`LogLayer`]).
#[derive(Clone)]
pub struct LogService<S> {
    inner: S,
    sink: CallSink,
}

impl<S: std::fmt::Debug> std::fmt::Debug for LogService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LogService").field(&self.inner).finish()
    }
}

type BoxFuture<T> = Pin<Box<dyn std::future::Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for LogService<S>
where
    S: Service<http::Request<CountingBody<ReqBody>>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Body,
{
    type Response = http::Response<CountingBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let peer = request
            .extensions()
            .get::<TcpConnectInfo>()
            .and_then(TcpConnectInfo::remote_addr);
        let method = request.uri().path().to_owned();
        (self.sink)(CallEvent::Started {
            peer,
            method: method.clone(),
            metadata: logged_metadata(request.headers()),
        });
        let requests = Arc::new(AtomicUsize::new(0));
        let call = Call {
            peer,
            method,
            started: Instant::now(),
            requests: requests.clone(),
            responses: 0,
            code: None,
            reported: false,
            sink: self.sink.clone(),
        };
        let request = request.map(|body| CountingBody::new(body, Counted::Requests(requests)));
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut call = call;
            let response = response.await?;
            // A trailers-only response (an immediate error) has its status in the headers.
            call.code = grpc_status(response.headers());
            Ok(response.map(|body| CountingBody::new(body, Counted::Responses(call))))
        })
    }
}

/// The metadata worth logging: the headers that are not gRPC's own transport headers.
fn logged_metadata(headers: &http::HeaderMap) -> Vec<(String, String)> {
    let metadata = MetadataMap::from_headers(headers.clone());
    let mut logged: Vec<(String, String)> = headers
        .keys()
        .filter(|k| !TRANSPORT_HEADERS.contains(&k.as_str()))
        .filter_map(|k| {
            let value = metadata.get(k.as_str())?.to_str().ok()?;
            Some((k.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    logged.sort();
    logged
}

fn grpc_status(headers: &http::HeaderMap) -> Option<Code> {
    let code = headers
        .get("grpc-status")?
        .to_str()
        .ok()?
        .parse::<i32>()
        .ok()?;
    Some(Code::from_i32(code))
}

/// A call in progress: reported as finished when its response body ends, or when it is
/// dropped (a cancelled call, or a handler that never answered).
struct Call {
    peer: Option<SocketAddr>,
    method: String,
    started: Instant,
    requests: Arc<AtomicUsize>,
    responses: usize,
    code: Option<Code>,
    reported: bool,
    sink: CallSink,
}

impl Call {
    fn finish(&mut self) {
        if std::mem::replace(&mut self.reported, true) {
            return;
        }
        (self.sink)(CallEvent::Finished {
            peer: self.peer,
            method: std::mem::take(&mut self.method),
            requests: self.requests.load(Ordering::Relaxed),
            responses: self.responses,
            // No status seen: the response never completed (the client cancelled).
            code: self.code.unwrap_or(Code::Cancelled),
            latency: self.started.elapsed(),
        });
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish();
    }
}

/// What a [`CountingBody`] counts its messages into.
enum Counted {
    Requests(Arc<AtomicUsize>),
    Responses(Call),
}

/// A body counting the gRPC messages (5-byte prefix + payload) that pass through it;
/// a response body also reports its call as finished.
pub struct CountingBody<B> {
    inner: Pin<Box<B>>,
    framing: MessageFraming,
    counted: Counted,
}

impl<B> std::fmt::Debug for CountingBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingBody").finish_non_exhaustive()
    }
}

impl<B> CountingBody<B> {
    fn new(inner: B, counted: Counted) -> CountingBody<B> {
        CountingBody {
            inner: Box::pin(inner),
            framing: MessageFraming::default(),
            counted,
        }
    }

    fn finish(&mut self) {
        if let Counted::Responses(call) = &mut self.counted {
            call.finish();
        }
    }
}

impl<B: Body> Body for CountingBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.get_mut();
        let frame = this.inner.as_mut().poll_frame(cx);
        match &frame {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let started = this.framing.messages;
                    this.framing.consume(data.chunk(), data.remaining());
                    match &mut this.counted {
                        Counted::Requests(n) => {
                            n.fetch_add(this.framing.messages - started, Ordering::Relaxed);
                        }
                        Counted::Responses(call) => call.responses = this.framing.messages,
                    }
                } else if let Some(trailers) = frame.trailers_ref() {
                    if let Counted::Responses(call) = &mut this.counted {
                        call.code = grpc_status(trailers).or(call.code);
                    }
                }
            }
            Poll::Ready(None) => this.finish(),
            Poll::Ready(Some(Err(_))) => {
                if let Counted::Responses(call) = &mut this.counted {
                    call.code = Some(Code::Internal);
                }
                this.finish();
            }
            Poll::Pending => {}
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Where the body is in gRPC's message framing: a 5-byte prefix (flag, big-endian
/// length), then that many bytes.
#[derive(Debug, Default)]
struct MessageFraming {
    /// The prefix bytes read of the current message (0..=5).
    prefix: [u8; 5],
    prefix_len: usize,
    /// Payload bytes still to skip once the prefix is complete.
    payload_left: u64,
    messages: usize,
}

impl MessageFraming {
    /// Reads a data frame; `chunk` is its first contiguous part, `len` its full length
    /// (hyper and tonic hand over contiguous `Bytes`, so they are equal in practice).
    fn consume(&mut self, chunk: &[u8], len: usize) {
        let mut bytes = &chunk[..chunk.len().min(len)];
        while !bytes.is_empty() {
            if self.payload_left > 0 {
                let skip = bytes
                    .len()
                    .min(usize::try_from(self.payload_left).unwrap_or(usize::MAX));
                bytes = &bytes[skip..];
                self.payload_left -= skip as u64;
                continue;
            }
            let take = (5 - self.prefix_len).min(bytes.len());
            self.prefix[self.prefix_len..self.prefix_len + take].copy_from_slice(&bytes[..take]);
            self.prefix_len += take;
            bytes = &bytes[take..];
            if self.prefix_len == 5 {
                self.messages += 1;
                self.prefix_len = 0;
                let [_, a, b, c, d] = self.prefix;
                self.payload_left = u64::from(u32::from_be_bytes([a, b, c, d]));
            }
        }
    }
}

/// One line for a call event.
pub fn describe(event: &CallEvent) -> String {
    let peer =
        |p: &Option<SocketAddr>| p.map_or_else(|| "unknown peer".to_owned(), |p| p.to_string());
    match event {
        CallEvent::Started {
            peer: p,
            method,
            metadata,
        } => {
            let metadata: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("[{}] {method} started, metadata: {{{}}}", peer(p), metadata.join(", "))
        }
        CallEvent::Finished {
            peer: p,
            method,
            requests,
            responses,
            code,
            latency,
        } => format!(
            "[{}] {method} finished: {code:?} after {latency:.1?}, {requests} request(s), {responses} response(s)",
            peer(p)
        ),
    }
}

/// A call sink printing each event on stdout.
pub fn print_calls() -> CallSink {
    Arc::new(|event| println!("{}", describe(&event)))
}

#[cfg(test)]
mod tests {
    use super::MessageFraming;

    #[test]
    fn framing_counts_messages_split_anywhere() {
        // Three messages: 3 bytes, 0 bytes, 300 bytes.
        let mut wire = vec![0, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 44];
        wire.extend(std::iter::repeat_n(7, 300));
        for split in 0..wire.len() {
            let mut framing = MessageFraming::default();
            let (a, b) = wire.split_at(split);
            framing.consume(a, a.len());
            framing.consume(b, b.len());
            assert_eq!(framing.messages, 3, "split at {split}");
            assert_eq!((framing.prefix_len, framing.payload_left), (0, 0));
        }
    }
}
