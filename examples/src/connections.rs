//! Serving one connection at a time, with the per-connection limits tonic's `Server` does
//! not offer: max connection idle (no request in flight for a while: GOAWAY), and max
//! connection age with a grace period, keepalive pings, HTTP/1.1 and HTTP/2 on one port.
//!
//! Each accepted connection (plaintext, or TLS through tokio-rustls) is driven by hyper's
//! auto (HTTP/1.1 or HTTP/2) connection; requests carry tonic's [`TcpConnectInfo`] (and
//! [`PeerCertificates`] under TLS), so `Request::remote_addr()` works as under tonic's
//! own server. A request counts as in flight from its arrival until its response body
//! ends or is dropped, so a long stream keeps its connection busy however quiet it is.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tonic::transport::server::TcpConnectInfo;
use tower_service::Service;

/// Errors of services and bodies, as hyper and tonic take them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Longer than any connection lives: the deadline of timers that are not set.
const NEVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// How long a client may take to complete its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Per-connection limits. `Default` sets none of them (hyper's defaults apply).
#[derive(Debug, Clone, Default)]
pub struct ConnectionLimits {
    /// Send an HTTP/2 PING after this long without hearing from the client.
    pub keepalive_interval: Option<Duration>,
    /// Close the connection when a PING is not acknowledged within this (default 20s).
    pub keepalive_timeout: Option<Duration>,
    /// Send GOAWAY once a connection is this old (the client reconnects for new calls).
    pub max_connection_age: Option<Duration>,
    /// After max age, let in-flight calls finish for this long, then close (default: wait).
    pub max_connection_age_grace: Option<Duration>,
    /// Send GOAWAY once no request has been in flight for this long.
    pub max_connection_idle: Option<Duration>,
}

/// The client certificates of a TLS connection (end entity first), when it sent any.
#[derive(Debug, Clone)]
pub struct PeerCertificates(pub Arc<Vec<CertificateDer<'static>>>);

/// Why a connection was asked to go away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drain {
    /// No request in flight for `max_connection_idle`.
    Idle,
    /// Older than `max_connection_age`.
    MaxAge,
    /// The server is shutting down.
    Shutdown,
}

/// What happened to a connection: reported to the server's event sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionEvent {
    /// A connection was accepted (and its TLS handshake, if any, completed).
    Accepted { peer: SocketAddr },
    /// The TLS handshake failed or timed out.
    HandshakeFailed { peer: SocketAddr, error: String },
    /// GOAWAY was sent; in-flight requests may finish.
    Draining { peer: SocketAddr, why: Drain },
    /// The grace period after max age ran out: the connection was closed with requests
    /// still in flight.
    GraceExpired { peer: SocketAddr },
    /// The connection ended (after draining, or because the client or a failed
    /// keepalive closed it).
    Closed {
        peer: SocketAddr,
        error: Option<String>,
    },
}

/// Receives every [`ConnectionEvent`] (the binaries print them, the tests collect them).
pub type EventSink = Arc<dyn Fn(ConnectionEvent) + Send + Sync>;

/// Serves `service` on every connection `listener` accepts (through `tls` when given)
/// under `limits`, until `shutdown` completes; then asks every connection to go away and
/// returns without waiting for them.
pub async fn serve<S, B>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    service: S,
    limits: ConnectionLimits,
    events: EventSink,
    shutdown: impl Future<Output = ()>,
) where
    S: Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let limits = Arc::new(limits);
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            peer,
            service: service.clone(),
            limits: limits.clone(),
            events: events.clone(),
            stopping: stopping.clone(),
        };
        tokio::spawn(connection.run(stream, tls.clone()));
    }
    let _ = stop.send(true);
}

/// One accepted connection and what it needs to serve itself.
struct Connection<S> {
    peer: SocketAddr,
    service: S,
    limits: Arc<ConnectionLimits>,
    events: EventSink,
    stopping: watch::Receiver<bool>,
}

impl<S, B> Connection<S>
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    async fn run(self, stream: TcpStream, tls: Option<TlsAcceptor>) {
        let _ = stream.set_nodelay(true);
        let tcp = TcpConnectInfo {
            local_addr: stream.local_addr().ok(),
            remote_addr: Some(self.peer),
        };
        let Some(acceptor) = tls else {
            return self.drive(TokioIo::new(stream), tcp, None).await;
        };
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => {
                let certs = stream.get_ref().1.peer_certificates().map(|certs| {
                    PeerCertificates(Arc::new(
                        certs.iter().map(|c| c.clone().into_owned()).collect(),
                    ))
                });
                self.drive(TokioIo::new(stream), tcp, certs).await
            }
            Ok(Err(e)) => self.report_handshake_failure(e.to_string()),
            Err(_) => self.report_handshake_failure("timed out".to_owned()),
        }
    }

    fn report_handshake_failure(&self, error: String) {
        (self.events)(ConnectionEvent::HandshakeFailed {
            peer: self.peer,
            error,
        });
    }

    /// Serves the connection until it ends, sending GOAWAY when a limit is reached.
    async fn drive<I>(
        mut self,
        io: TokioIo<I>,
        tcp: TcpConnectInfo,
        certs: Option<PeerCertificates>,
    ) where
        I: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let peer = self.peer;
        (self.events)(ConnectionEvent::Accepted { peer });
        let (in_flight, mut requests) = watch::channel(0usize);
        let service = TrackedService {
            inner: self.service.clone(),
            tcp,
            certs,
            in_flight: Arc::new(in_flight),
        };
        let mut builder = auto::Builder::new(TokioExecutor::new());
        let mut http2 = builder.http2();
        http2
            .timer(TokioTimer::new())
            .keep_alive_interval(self.limits.keepalive_interval);
        if let Some(timeout) = self.limits.keepalive_timeout {
            http2.keep_alive_timeout(timeout);
        }
        let connection = builder.serve_connection(io, TowerToHyperService::new(service));
        tokio::pin!(connection);

        let limits = self.limits.clone();
        // Timers that never fire unless set: max age (when configured), then grace.
        let never = tokio::time::Instant::now() + NEVER;
        let age = tokio::time::sleep_until(
            limits
                .max_connection_age
                .map_or(never, |age| tokio::time::Instant::now() + age),
        );
        let grace = tokio::time::sleep_until(never);
        tokio::pin!(age, grace);
        let mut draining = false;
        loop {
            let drain = tokio::select! {
                result = connection.as_mut() => {
                    let error = result.err().map(|e| with_causes(&*e));
                    (self.events)(ConnectionEvent::Closed { peer, error });
                    return;
                }
                () = &mut grace => {
                    // Dropping the connection closes the socket and its streams.
                    (self.events)(ConnectionEvent::GraceExpired { peer });
                    return;
                }
                () = &mut age, if !draining => {
                    if let Some(period) = limits.max_connection_age_grace {
                        grace.as_mut().reset(tokio::time::Instant::now() + period);
                    }
                    Drain::MaxAge
                }
                () = idle_for(&mut requests, limits.max_connection_idle.unwrap_or_default()),
                    if !draining && limits.max_connection_idle.is_some() => Drain::Idle,
                _ = self.stopping.wait_for(|stop| *stop), if !draining => Drain::Shutdown,
            };
            draining = true;
            connection.as_mut().graceful_shutdown();
            (self.events)(ConnectionEvent::Draining { peer, why: drain });
        }
    }
}

/// An error and its causes, `error: cause: cause` (hyper's errors say little alone:
/// "http2 error", whose cause says "keep-alive timed out").
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// Completes once no request has been in flight for `max_idle` in a row.
async fn idle_for(requests: &mut watch::Receiver<usize>, max_idle: Duration) {
    loop {
        let in_flight = *requests.borrow_and_update();
        let changed = if in_flight == 0 {
            match tokio::time::timeout(max_idle, requests.changed()).await {
                Err(_elapsed) => return,
                Ok(changed) => changed,
            }
        } else {
            requests.changed().await
        };
        if changed.is_err() {
            // The connection's service is gone: so is the connection.
            return std::future::pending().await;
        }
    }
}

/// The connection's service: adds the connection's info to each request and counts it
/// in flight until its response body ends.
#[derive(Clone)]
struct TrackedService<S> {
    inner: S,
    tcp: TcpConnectInfo,
    certs: Option<PeerCertificates>,
    in_flight: Arc<watch::Sender<usize>>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<Incoming>> for TrackedService<S>
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
{
    type Response = http::Response<TrackedBody<B>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(self.tcp.clone());
        if let Some(certs) = &self.certs {
            request.extensions_mut().insert(certs.clone());
        }
        let guard = InFlight::start(&self.in_flight);
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| TrackedBody {
                inner: Box::pin(body),
                in_flight: Some(guard),
            }))
        })
    }
}

/// One request in flight; dropping it ends it.
struct InFlight(Arc<watch::Sender<usize>>);

impl InFlight {
    fn start(count: &Arc<watch::Sender<usize>>) -> InFlight {
        count.send_modify(|n| *n += 1);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// A response body that keeps its request in flight until it ends or is dropped.
pub struct TrackedBody<B> {
    inner: Pin<Box<B>>,
    in_flight: Option<InFlight>,
}

impl<B> std::fmt::Debug for TrackedBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedBody").finish_non_exhaustive()
    }
}

impl<B: Body> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.get_mut();
        let frame = this.inner.as_mut().poll_frame(cx);
        if matches!(frame, Poll::Ready(None | Some(Err(_)))) {
            this.in_flight = None;
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

/// A TLS acceptor for the certificate chain and key in `cert` and `key` (PEM), offering
/// HTTP/2 and HTTP/1.1; with `client_ca`, clients must present a certificate chaining to
/// it (mutual TLS).
pub fn tls_acceptor(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<TlsAcceptor, BoxError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in
                CertificateDer::pem_file_iter(ca).map_err(|e| format!("{}: {e}", ca.display()))?
            {
                roots.add(cert.map_err(|e| format!("{}: {e}", ca.display()))?)?;
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Routes gRPC requests (content type `application/grpc...`) to `grpc` and every other
/// request to `http`: one port for both, as Go's `grpc.Server.ServeHTTP` set-ups do.
#[derive(Debug, Clone)]
pub struct GrpcOrHttp<G, H> {
    pub grpc: G,
    pub http: H,
}

/// Whether `request` is a gRPC call (by its content type, as gRPC servers decide).
pub fn is_grpc<B>(request: &http::Request<B>) -> bool {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

impl<G, H, ReqBody> Service<http::Request<ReqBody>> for GrpcOrHttp<G, H>
where
    G: Service<http::Request<ReqBody>, Response = http::Response<tonic::body::Body>>,
    G::Future: Send + 'static,
    G::Error: Into<BoxError>,
    H: Service<http::Request<ReqBody>, Response = http::Response<tonic::body::Body>>,
    H::Future: Send + 'static,
    H::Error: Into<BoxError>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self.grpc.poll_ready(cx).map_err(Into::into)? {
            Poll::Ready(()) => self.http.poll_ready(cx).map_err(Into::into),
            Poll::Pending => Poll::Pending,
        }
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        if is_grpc(&request) {
            let response = self.grpc.call(request);
            Box::pin(async move { response.await.map_err(Into::into) })
        } else {
            let response = self.http.call(request);
            Box::pin(async move { response.await.map_err(Into::into) })
        }
    }
}

/// An event sink that prints each event on stdout, prefixed with `name`.
pub fn print_events(name: &'static str) -> EventSink {
    Arc::new(move |event| println!("{name}: {}", describe(&event)))
}

/// One line for an event.
pub fn describe(event: &ConnectionEvent) -> String {
    match event {
        ConnectionEvent::Accepted { peer } => format!("[{peer}] connection accepted"),
        ConnectionEvent::HandshakeFailed { peer, error } => {
            format!("[{peer}] TLS handshake failed: {error}")
        }
        ConnectionEvent::Draining { peer, why } => {
            let why = match why {
                Drain::Idle => "idle for max-connection-idle",
                Drain::MaxAge => "max-connection-age reached",
                Drain::Shutdown => "server shutting down",
            };
            format!("[{peer}] GOAWAY sent: {why}")
        }
        ConnectionEvent::GraceExpired { peer } => {
            format!("[{peer}] grace period over: connection closed")
        }
        ConnectionEvent::Closed { peer, error: None } => format!("[{peer}] connection closed"),
        ConnectionEvent::Closed {
            peer,
            error: Some(e),
        } => format!("[{peer}] connection closed: {e}"),
    }
}

/// Parses a duration for the command line: a whole number and a unit, `ms`, `s`, `m`
/// (`300ms`, `5s`, `2m`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit (300ms, 5s, 2m)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("{text:?}: the unit must be ms, s or m")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "5", "ms", "1.5s", "5h", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
