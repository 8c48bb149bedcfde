//! Client retries configured by a gRPC service config (gRFC A6), as a tower layer under a
//! tonic client: `EchoClient::new(ServiceBuilder::new().layer(RetryLayer::new(config))
//! .service(channel))`.
//!
//! The service config is the JSON that gRPC clients take (`methodConfig` with `name`,
//! `waitForReady`, `timeout` and `retryPolicy`). Keys match the way grpc-go's parser
//! (Go's `encoding/json`) and the proto-JSON parsers of C++ and Java accept them: case
//! does not matter and underscores are ignored, so `maxAttempts`, `MaxAttempts` and
//! `max_attempts` are the same key.
//!
//! What is retried: an attempt whose answer is a status in the response headers
//! (trailers-only: the server failed the call before sending any message) with a code in
//! `retryableStatusCodes`, and an attempt that could not connect (treated as
//! UNAVAILABLE). Once response headers without a status arrive (a message may follow),
//! the call is committed: later failures are returned as they are. The request body is
//! kept for replaying by [`Replay`], which covers all four RPC kinds
//! while the request stays under its byte limit.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher as _, Hasher as _};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use tokio_stream::StreamExt as _;
use tonic::body::Body;
use tonic::{Code, Request, Response, Status, Streaming};
use tower::{Layer, Service, ServiceExt as _};

use crate::echo::echo_server::Echo;
use crate::echo::{EchoRequest, EchoResponse};
use crate::replay::{Replay, DEFAULT_REPLAY_LIMIT};
use crate::server::{EchoService, ResponseStream};

/// A6: larger `maxAttempts` values are treated as 5.
pub const MAX_ATTEMPTS_CAP: u32 = 5;

/// How long a `waitForReady` call without a deadline waits for a connection (gRPC waits
/// forever; here every wait is bounded).
pub const WAIT_FOR_READY_LIMIT: Duration = Duration::from_secs(30);

/// The delay between connection attempts of a `waitForReady` call: doubling from the
/// first to the last.
const WAIT_FOR_READY_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(20), Duration::from_secs(1));

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An invalid service config: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid service config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

fn invalid<T>(what: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(what.into()))
}

/// The parts of a gRPC service config that apply to calls: one [`MethodConfig`] per
/// method name, looked up most specific first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceConfig {
    /// Keyed by `service/method`, `service/` (every method of the service) or `` (every
    /// method).
    methods: HashMap<String, Arc<MethodConfig>>,
}

/// The settings of the methods a `methodConfig` entry names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MethodConfig {
    /// Wait for a connection instead of failing at once when there is none.
    pub wait_for_ready: bool,
    /// The deadline of each call, over all its attempts.
    pub timeout: Option<Duration>,
    pub retry_policy: Option<RetryPolicy>,
}

/// When and how often a call is tried again.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included: 2 to [`MAX_ATTEMPTS_CAP`].
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub backoff_multiplier: f64,
    pub retryable_status_codes: Vec<Code>,
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0 for the first retry): A6's exponential
    /// backoff, `min(initialBackoff * backoffMultiplier^retry, maxBackoff)`, with ±20%
    /// jitter so that clients failed together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponential = self.initial_backoff.as_secs_f64()
            * self
                .backoff_multiplier
                .powi(i32::try_from(retry).unwrap_or(i32::MAX));
        let capped = exponential.min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(capped * (0.8 + 0.4 * random_unit()))
    }

    fn retries(&self, code: Code) -> bool {
        self.retryable_status_codes.contains(&code)
    }
}

/// A uniformly distributed number in [0, 1): std's per-instance random hash keys, mixed
/// with a counter, are random enough for jitter without a dependency.
fn random_unit() -> f64 {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_usize(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 random bits: every such value is exact in an f64.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A key as the parsers gRPC uses accept it: without case or underscores.
fn normalize_key(key: &str) -> String {
    key.chars()
        .filter(|&c| c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The value of `key` in `object` (matched by [`normalize_key`]); two keys that match is
/// an error, as the choice between them would be arbitrary.
fn field<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<&'a Value>, ConfigError> {
    let wanted = normalize_key(key);
    let mut found = None;
    for (name, value) in object {
        if normalize_key(name) == wanted {
            if found.is_some() {
                return invalid(format!("{at}: {key} is given twice"));
            }
            found = Some(value);
        }
    }
    Ok(found)
}

fn object<'a>(
    value: &'a Value,
    at: &str,
) -> Result<&'a serde_json::Map<String, Value>, ConfigError> {
    value
        .as_object()
        .map_or_else(|| invalid(format!("{at} must be an object")), Ok)
}

/// A protobuf JSON duration: decimal seconds with an `s` suffix ("1s", "0.1s", ".01s").
pub fn parse_duration(text: &str) -> Option<Duration> {
    let seconds = text.strip_suffix('s')?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 9
    {
        return None;
    }
    let secs = if whole.is_empty() {
        0
    } else {
        whole.parse::<u64>().ok()?
    };
    let nanos = format!("{fraction:0<9}").parse::<u32>().ok()?;
    Some(Duration::new(secs, nanos))
}

/// A status code by its canonical name ("UNAVAILABLE") or its number (14), as grpc-go
/// reads `retryableStatusCodes`.
pub fn parse_code(value: &Value) -> Option<Code> {
    let number = match value {
        Value::Number(n) => i32::try_from(n.as_u64()?).ok()?,
        Value::String(name) => CODE_NAMES.iter().position(|&c| c == name)? as i32,
        _ => return None,
    };
    (0..=16).contains(&number).then(|| Code::from_i32(number))
}

/// The canonical names of the status codes, indexed by number.
const CODE_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The canonical name of `code`, as service configs spell it.
pub fn code_name(code: Code) -> &'static str {
    CODE_NAMES[code as usize]
}

fn duration_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<Duration>, ConfigError> {
    match field(object, key, at)? {
        None => Ok(None),
        Some(value) => value
            .as_str()
            .and_then(parse_duration)
            .map_or_else(
                || {
                    invalid(format!(
                        "{at}.{key} must be a duration like \"0.1s\", not {value}"
                    ))
                },
                Ok,
            )
            .map(Some),
    }
}

impl ServiceConfig {
    /// Parses a service config. Fields other than `methodConfig` (load balancing, retry
    /// throttling) are ignored, as are unknown fields.
    pub fn from_json(text: &str) -> Result<ServiceConfig, ConfigError> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| ConfigError(format!("not JSON: {e}")))?;
        let root = object(&root, "the service config")?;
        let mut config = ServiceConfig::default();
        let Some(entries) = field(root, "methodConfig", "service config")? else {
            return Ok(config);
        };
        let entries = entries
            .as_array()
            .map_or_else(|| invalid("methodConfig must be an array"), Ok)?;
        for (i, entry) in entries.iter().enumerate() {
            let at = format!("methodConfig[{i}]");
            let entry = object(entry, &at)?;
            let method = Arc::new(MethodConfig::from_json(entry, &at)?);
            let names = match field(entry, "name", &at)? {
                None => &Vec::new(),
                Some(Value::Array(names)) => names,
                Some(_) => return invalid(format!("{at}.name must be an array")),
            };
            for (j, name) in names.iter().enumerate() {
                let at = format!("{at}.name[{j}]");
                let name = object(name, &at)?;
                let text = |key| match field(name, key, &at)? {
                    None => Ok(""),
                    Some(Value::String(s)) => Ok(s.as_str()),
                    Some(_) => invalid(format!("{at}.{key} must be a string")),
                };
                let (service, method_name) = (text("service")?, text("method")?);
                // A6 / grpc-go: a method needs its service; an empty name is the default.
                let key = match (service, method_name) {
                    ("", "") => String::new(),
                    ("", _) => return invalid(format!("{at}: a method needs a service")),
                    (service, method_name) => format!("{service}/{method_name}"),
                };
                if config.methods.insert(key, method.clone()).is_some() {
                    return invalid(format!("{at}: the name is configured twice"));
                }
            }
        }
        Ok(config)
    }

    /// The settings of the method at `path` (`/package.Service/Method`): its own, else
    /// its service's, else the default.
    pub fn method(&self, path: &str) -> Option<&Arc<MethodConfig>> {
        let path = path.strip_prefix('/').unwrap_or(path);
        let service = path.split_once('/').map_or(path, |(service, _)| service);
        self.methods
            .get(path)
            .or_else(|| self.methods.get(&format!("{service}/")))
            .or_else(|| self.methods.get(""))
    }
}

impl MethodConfig {
    fn from_json(
        entry: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<MethodConfig, ConfigError> {
        let wait_for_ready = match field(entry, "waitForReady", at)? {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return invalid(format!("{at}.waitForReady must be true or false")),
        };
        let timeout = duration_field(entry, "timeout", at)?;
        let retry_policy = match field(entry, "retryPolicy", at)? {
            None | Some(Value::Null) => None,
            Some(policy) => {
                let at = format!("{at}.retryPolicy");
                Some(RetryPolicy::from_json(object(policy, &at)?, &at)?)
            }
        };
        Ok(MethodConfig {
            wait_for_ready,
            timeout,
            retry_policy,
        })
    }
}

impl RetryPolicy {
    fn from_json(
        policy: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<RetryPolicy, ConfigError> {
        // Every field is required and must be in range (A6).
        let required = |key| {
            field(policy, key, at)?.map_or_else(|| invalid(format!("{at}.{key} is required")), Ok)
        };
        let max_attempts = required("maxAttempts")?
            .as_u64()
            .filter(|&n| n >= 2)
            .map_or_else(
                || invalid(format!("{at}.maxAttempts must be an integer >= 2")),
                Ok,
            )?;
        let positive = |key| match duration_field(policy, key, at)? {
            Some(d) if !d.is_zero() => Ok(d),
            Some(_) => invalid(format!("{at}.{key} must be greater than zero")),
            None => invalid(format!("{at}.{key} is required")),
        };
        let initial_backoff = positive("initialBackoff")?;
        let max_backoff = positive("maxBackoff")?;
        let backoff_multiplier = required("backoffMultiplier")?
            .as_f64()
            .filter(|&m| m > 0.0)
            .map_or_else(
                || invalid(format!("{at}.backoffMultiplier must be a number > 0")),
                Ok,
            )?;
        let codes = required("retryableStatusCodes")?
            .as_array()
            .filter(|codes| !codes.is_empty())
            .map_or_else(
                || {
                    invalid(format!(
                        "{at}.retryableStatusCodes must be a non-empty array"
                    ))
                },
                Ok,
            )?;
        let retryable_status_codes = codes
            .iter()
            .map(|code| {
                parse_code(code).map_or_else(
                    || {
                        invalid(format!(
                            "{at}.retryableStatusCodes: {code} is not a status code \
                             (a name like \"UNAVAILABLE\" or a number 0-16)"
                        ))
                    },
                    Ok,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RetryPolicy {
            max_attempts: u32::try_from(max_attempts)
                .unwrap_or(u32::MAX)
                .min(MAX_ATTEMPTS_CAP),
            initial_backoff,
            max_backoff,
            backoff_multiplier,
            retryable_status_codes,
        })
    }
}

/// How many attempts a call took: in the extensions of the responses that went through
/// [`RetryLayer`] (`tonic::Response::extensions()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts(pub u32);

/// Applies a [`ServiceConfig`] to the calls through a tonic client's channel.
#[derive(Debug, Clone)]
pub struct RetryLayer {
    config: Arc<ServiceConfig>,
}

impl RetryLayer {
    pub fn new(config: ServiceConfig) -> RetryLayer {
        RetryLayer {
            config: Arc::new(config),
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`RetryLayer`] makes.
#[derive(Debug, Clone)]
pub struct Retry<S> {
    inner: S,
    config: Arc<ServiceConfig>,
}

impl<S> Service<http::Request<Body>> for Retry<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // The ready service serves the first attempt; later ones use clones made ready then.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        let Some(method) = self.config.method(request.uri().path()).cloned() else {
            let mut inner = inner;
            let call = inner.call(request);
            return Box::pin(async move { call.await.map_err(Into::into) });
        };
        Box::pin(call_with_retries(inner, method, request))
    }
}

/// Whether `error` says the connection could not be made: the request never left.
pub fn is_connect_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(error) = source {
        if error.is::<tonic::ConnectError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// The status of a trailers-only response: the call failed before any message.
fn trailers_only_status(response: &http::Response<Body>) -> Option<Code> {
    let status = response.headers().get("grpc-status")?;
    let number = status.to_str().ok()?.parse::<i32>().ok()?;
    Some(Code::from_i32(number))
}

/// The server's pushback (A6): `Some(Ok(delay))` to retry after it, `Some(Err(()))` for
/// a malformed or negative value, which means "do not retry".
fn pushback(response: &http::Response<Body>) -> Option<Result<Duration, ()>> {
    let value = response.headers().get("grpc-retry-pushback-ms")?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
            .ok_or(()),
    )
}

/// The deadline the request carries in `grpc-timeout` (`<digits><unit>`).
fn request_timeout(request: &http::Request<Body>) -> Option<Duration> {
    let value = request.headers().get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    let n = digits.parse::<u64>().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

async fn call_with_retries<S>(
    first: S,
    method: Arc<MethodConfig>,
    request: http::Request<Body>,
) -> Result<http::Response<Body>, BoxError>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
{
    // The deadline covers every attempt: the earlier of the config's and the caller's.
    let timeout = match (method.timeout, request_timeout(&request)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    let attempts = attempts(first, method, request, deadline);
    match deadline {
        None => attempts.await,
        Some(deadline) => match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_) => Err(Status::deadline_exceeded("deadline exceeded (service config)").into()),
        },
    }
}

async fn attempts<S>(
    first: S,
    method: Arc<MethodConfig>,
    request: http::Request<Body>,
    deadline: Option<Instant>,
) -> Result<http::Response<Body>, BoxError>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
{
    let (parts, body) = request.into_parts();
    let replay = Replay::new(body, DEFAULT_REPLAY_LIMIT);
    let template = first.clone();
    let mut ready = Some(first);
    // Attempts that reached a server (or failed to connect without waitForReady).
    let mut made: u32 = 0;
    // Retries since the last pushback: the backoff exponent.
    let mut retries: u32 = 0;
    let wait_limit = deadline.unwrap_or_else(|| Instant::now() + WAIT_FOR_READY_LIMIT);
    let mut connect_delay = WAIT_FOR_READY_BACKOFF.0;
    let max_attempts = method.retry_policy.as_ref().map_or(1, |p| p.max_attempts);
    loop {
        let mut service = match ready.take() {
            Some(service) => service,
            None => template.clone().ready_oneshot().await.map_err(Into::into)?,
        };
        let mut request = http::Request::from_parts(parts.clone(), replay.attempt());
        if made > 0 {
            // A6: tell the server this is a retry.
            request
                .headers_mut()
                .insert("grpc-previous-rpc-attempts", made.into());
        }
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            let millis = left.as_millis().max(1);
            request.headers_mut().insert(
                "grpc-timeout",
                http::HeaderValue::from_str(&format!("{millis}m")).expect("digits and a unit"),
            );
        }
        let result = service.call(request).await.map_err(Into::into);
        let can_retry = |made: u32| made < max_attempts && replay.replayable();
        let delay = match result {
            Err(error) if is_connect_error(&*error) && method.wait_for_ready => {
                // waitForReady: no server was reached, so no attempt is used up; wait for
                // one to come up, until the deadline.
                if !replay.replayable() || Instant::now() + connect_delay >= wait_limit {
                    return Err(error);
                }
                let delay = connect_delay;
                connect_delay = (connect_delay * 2).min(WAIT_FOR_READY_BACKOFF.1);
                delay
            }
            Err(error) => {
                made += 1;
                let retryable = is_connect_error(&*error)
                    && method
                        .retry_policy
                        .as_ref()
                        .is_some_and(|p| p.retries(Code::Unavailable));
                if !retryable || !can_retry(made) {
                    return Err(error);
                }
                retries += 1;
                backoff(&method, retries - 1)
            }
            Ok(mut response) => {
                made += 1;
                let code = trailers_only_status(&response);
                let retryable = code.is_some_and(|code| {
                    code != Code::Ok
                        && method
                            .retry_policy
                            .as_ref()
                            .is_some_and(|p| p.retries(code))
                });
                let pushback = pushback(&response);
                if !retryable || !can_retry(made) || matches!(pushback, Some(Err(()))) {
                    response.extensions_mut().insert(Attempts(made));
                    return Ok(response);
                }
                match pushback {
                    Some(Ok(delay)) => {
                        // The server chose the delay; backoff starts over after it.
                        retries = 0;
                        delay
                    }
                    _ => {
                        retries += 1;
                        backoff(&method, retries - 1)
                    }
                }
            }
        };
        tokio::time::sleep(delay).await;
    }
}

fn backoff(method: &MethodConfig, retry: u32) -> Duration {
    method
        .retry_policy
        .as_ref()
        .map_or(Duration::ZERO, |p| p.backoff(retry))
}

/// An Echo service whose first `failures` calls fail with `code`, then answer as
/// [`EchoService`] does. A call fails before answering (a trailers-only response: what
/// clients may retry) unless `after_first_response` is set, when the streaming-response
/// methods send one response first (the call is then committed: not retried). Each call is
/// logged on stdout with its number and the attempt count the client sent.
#[derive(Debug)]
pub struct FlakyEcho {
    failures: usize,
    code: Code,
    after_first_response: bool,
    calls: AtomicUsize,
}

impl FlakyEcho {
    pub fn new(failures: usize, code: Code, after_first_response: bool) -> FlakyEcho {
        FlakyEcho {
            failures,
            code,
            after_first_response,
            calls: AtomicUsize::new(0),
        }
    }

    /// Counts the call, and returns the status it fails with if it is one of the first
    /// `failures`.
    fn failure<T>(&self, method: &str, request: &Request<T>, streaming: bool) -> Option<Status> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let previous = request
            .metadata()
            .get("grpc-previous-rpc-attempts")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("0");
        let prefix = format!("call {call}: {method} (previous attempts: {previous})");
        if call > self.failures {
            println!("{prefix}: answering");
            return None;
        }
        let when = if streaming && self.after_first_response {
            " after one response"
        } else {
            ""
        };
        println!("{prefix}: failing with {}{when}", code_name(self.code));
        Some(Status::new(
            self.code,
            format!("call {call} fails on purpose"),
        ))
    }

    /// `responses`, or on a failing call, its first response then `status` (when
    /// `after_first_response`) or only `status`.
    fn fail_stream(
        &self,
        status: Status,
        responses: Response<ResponseStream>,
    ) -> Result<Response<ResponseStream>, Status> {
        if !self.after_first_response {
            return Err(status);
        }
        Ok(responses.map(|stream| -> ResponseStream {
            Box::pin(stream.take(1).chain(tokio_stream::once(Err(status))))
        }))
    }
}

impl fmt::Display for FlakyEcho {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failing the first {} calls with {}",
            self.failures,
            code_name(self.code)
        )?;
        if self.after_first_response {
            f.write_str(", streams after their first response")?;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl Echo for FlakyEcho {
    async fn unary_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoResponse>, Status> {
        match self.failure("UnaryEcho", &request, false) {
            Some(status) => Err(status),
            None => EchoService.unary_echo(request).await,
        }
    }

    type ServerStreamingEchoStream = ResponseStream;

    async fn server_streaming_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let failure = self.failure("ServerStreamingEcho", &request, true);
        let responses = EchoService.server_streaming_echo(request).await?;
        match failure {
            Some(status) => self.fail_stream(status, responses),
            None => Ok(responses),
        }
    }

    async fn client_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        match self.failure("ClientStreamingEcho", &request, false) {
            Some(status) => Err(status),
            None => EchoService.client_streaming_echo(request).await,
        }
    }

    type BidirectionalStreamingEchoStream = ResponseStream;

    async fn bidirectional_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let failure = self.failure("BidirectionalStreamingEcho", &request, true);
        let responses = EchoService.bidirectional_streaming_echo(request).await?;
        match failure {
            Some(status) => self.fail_stream(status, responses),
            None => Ok(responses),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_EXAMPLE: &str = r#"{
        "methodConfig": [{
            "name": [{"service": "grpc.examples.echo.Echo"}],
            "waitForReady": true,
            "retryPolicy": {
                "MaxAttempts": 4,
                "InitialBackoff": ".01s",
                "MaxBackoff": ".01s",
                "BackoffMultiplier": 1.0,
                "RetryableStatusCodes": [ "UNAVAILABLE" ]
            }
        }]
    }"#;

    #[test]
    fn reads_grpc_gos_example() {
        let config = ServiceConfig::from_json(GO_EXAMPLE).unwrap();
        let method = config.method("/grpc.examples.echo.Echo/UnaryEcho").unwrap();
        assert!(method.wait_for_ready);
        assert_eq!(
            method.retry_policy,
            Some(RetryPolicy {
                max_attempts: 4,
                initial_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(10),
                backoff_multiplier: 1.0,
                retryable_status_codes: vec![Code::Unavailable],
            })
        );
        assert!(config.method("/other.Service/UnaryEcho").is_none());
    }

    #[test]
    fn spec_keys_snake_case_numbers_and_the_cap() {
        let config = ServiceConfig::from_json(
            r#"{"method_config": [{
                "name": [{"service": "s.S", "method": "M"}, {}],
                "timeout": "1.5s",
                "retryPolicy": {"maxAttempts": 9, "initial_backoff": "0.1s",
                    "maxBackoff": "2s", "backoffMultiplier": 2,
                    "retryableStatusCodes": [14, "ABORTED"]}
            }]}"#,
        )
        .unwrap();
        let method = config.method("/s.S/M").unwrap();
        assert_eq!(method.timeout, Some(Duration::from_millis(1500)));
        let policy = method.retry_policy.as_ref().unwrap();
        assert_eq!(policy.max_attempts, MAX_ATTEMPTS_CAP);
        assert_eq!(policy.initial_backoff, Duration::from_millis(100));
        assert_eq!(
            policy.retryable_status_codes,
            [Code::Unavailable, Code::Aborted]
        );
        // `{}` is the default for every other method.
        assert!(config.method("/x.Y/Z").is_some());
    }

    #[test]
    fn most_specific_name_wins() {
        let config = ServiceConfig::from_json(
            r#"{"methodConfig": [
                {"name": [{"service": "s.S"}], "timeout": "1s"},
                {"name": [{"service": "s.S", "method": "M"}], "timeout": "2s"}
            ]}"#,
        )
        .unwrap();
        let timeout = |path| config.method(path).and_then(|m| m.timeout);
        assert_eq!(timeout("/s.S/M"), Some(Duration::from_secs(2)));
        assert_eq!(timeout("/s.S/N"), Some(Duration::from_secs(1)));
        assert_eq!(timeout("/t.T/M"), None);
    }

    #[test]
    fn rejects_invalid_policies() {
        let policy = |body: &str| {
            ServiceConfig::from_json(&format!(
                r#"{{"methodConfig": [{{"name": [{{"service": "s"}}], "retryPolicy": {{{body}}}}}]}}"#
            ))
        };
        let valid = r#""maxAttempts": 2, "initialBackoff": "1s", "maxBackoff": "1s",
            "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]"#;
        assert!(policy(valid).is_ok());
        for (bad, why) in [
            (
                valid.replace("\"maxAttempts\": 2", "\"maxAttempts\": 1"),
                "maxAttempts",
            ),
            (
                valid.replace("\"1s\", \"maxB", "\"0s\", \"maxB"),
                "initialBackoff",
            ),
            (valid.replace("\"1s\",\n", "\"1\",\n"), "maxBackoff"),
            (
                valid.replace("\"UNAVAILABLE\"", "\"unavailable\""),
                "retryableStatusCodes",
            ),
            (
                valid.replace("[\"UNAVAILABLE\"]", "[]"),
                "retryableStatusCodes",
            ),
            (
                valid.replace("[\"UNAVAILABLE\"]", "[17]"),
                "retryableStatusCodes",
            ),
            (
                valid.replace("\"backoffMultiplier\": 1", "\"backoffMultiplier\": 0"),
                "backoffMultiplier",
            ),
            (format!("{valid}, \"MaxAttempts\": 3"), "given twice"),
        ] {
            let error = policy(&bad).unwrap_err().to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(
            ServiceConfig::from_json(r#"{"methodConfig": [{"name": [{"method": "M"}]}]}"#).is_err()
        );
    }

    /// A channel stand-in: answers call n (from 0) with `answers(n)`, recording each
    /// call's `grpc-previous-rpc-attempts` header.
    #[derive(Clone)]
    struct Scripted {
        answers: Arc<dyn Fn(usize) -> Result<http::Response<Body>, BoxError> + Send + Sync>,
        seen: Arc<std::sync::Mutex<Vec<Option<String>>>>,
    }

    impl Service<http::Request<Body>> for Scripted {
        type Response = http::Response<Body>;
        type Error = BoxError;
        type Future = std::future::Ready<Result<http::Response<Body>, BoxError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<Body>) -> Self::Future {
            let previous = request
                .headers()
                .get("grpc-previous-rpc-attempts")
                .map(|v| v.to_str().unwrap().to_owned());
            let mut seen = self.seen.lock().unwrap();
            let n = seen.len();
            seen.push(previous);
            std::future::ready((self.answers)(n))
        }
    }

    /// A trailers-only response with `code` and extra headers.
    fn status(code: Code, headers: &[(&'static str, &'static str)]) -> http::Response<Body> {
        let mut response = http::Response::new(Body::empty());
        let headers_mut = response.headers_mut();
        headers_mut.insert("grpc-status", (code as i32).into());
        for (name, value) in headers {
            headers_mut.insert(*name, http::HeaderValue::from_static(value));
        }
        response
    }

    fn connect_error() -> BoxError {
        Box::new(tonic::ConnectError(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        ))))
    }

    fn config(policy: &str) -> ServiceConfig {
        ServiceConfig::from_json(&format!(
            r#"{{"methodConfig": [{{"name": [{{}}], {policy}}}]}}"#
        ))
        .unwrap()
    }

    const RETRY_UNAVAILABLE: &str = r#""retryPolicy": {"maxAttempts": 3,
        "initialBackoff": "0.01s", "maxBackoff": "0.01s", "backoffMultiplier": 1,
        "retryableStatusCodes": ["UNAVAILABLE"]}"#;

    /// Calls through the layer; returns the final code (from the response or the error),
    /// and the attempts' `grpc-previous-rpc-attempts` headers.
    async fn run(
        config: ServiceConfig,
        answers: impl Fn(usize) -> Result<http::Response<Body>, BoxError> + Send + Sync + 'static,
    ) -> (Code, Vec<Option<String>>) {
        let inner = Scripted {
            answers: Arc::new(answers),
            seen: Arc::default(),
        };
        let mut service = RetryLayer::new(config).layer(inner.clone());
        let request = http::Request::builder()
            .uri("/s.S/M")
            .body(Body::empty())
            .unwrap();
        let code = match service.ready().await.unwrap().call(request).await {
            Ok(response) => trailers_only_status(&response).unwrap_or(Code::Ok),
            Err(error) => Status::from_error(error).code(),
        };
        let seen = inner.seen.lock().unwrap().clone();
        (code, seen)
    }

    #[tokio::test]
    async fn retries_listed_codes_and_connect_failures_with_attempt_headers() {
        let (code, seen) = run(config(RETRY_UNAVAILABLE), |n| match n {
            0 => Err(connect_error()),
            1 => Ok(status(Code::Unavailable, &[])),
            _ => Ok(http::Response::new(Body::empty())),
        })
        .await;
        assert_eq!(code, Code::Ok);
        assert_eq!(seen, [None, Some("1".to_owned()), Some("2".to_owned())]);
        // Other transport errors may have reached the server: not retried.
        let (_, seen) = run(
            config(RETRY_UNAVAILABLE),
            |_| Err("connection reset".into()),
        )
        .await;
        assert_eq!(seen.len(), 1);
        // Without a policy, nothing is retried.
        let (code, seen) = run(config(r#""timeout": "5s""#), |_| {
            Ok(status(Code::Unavailable, &[]))
        })
        .await;
        assert_eq!((code, seen.len()), (Code::Unavailable, 1));
    }

    #[tokio::test]
    async fn server_pushback_sets_the_delay_or_stops_retries() {
        let started = std::time::Instant::now();
        let (code, seen) = run(config(RETRY_UNAVAILABLE), |n| {
            Ok(match n {
                0 => status(Code::Unavailable, &[("grpc-retry-pushback-ms", "300")]),
                _ => http::Response::new(Body::empty()),
            })
        })
        .await;
        assert_eq!((code, seen.len()), (Code::Ok, 2));
        assert!(started.elapsed() >= Duration::from_millis(300));
        // A negative pushback means "do not retry".
        let (code, seen) = run(config(RETRY_UNAVAILABLE), |_| {
            Ok(status(
                Code::Unavailable,
                &[("grpc-retry-pushback-ms", "-1")],
            ))
        })
        .await;
        assert_eq!((code, seen.len()), (Code::Unavailable, 1));
    }

    #[tokio::test]
    async fn the_timeout_bounds_all_attempts() {
        let slow_retries = r#""timeout": "0.2s", "retryPolicy": {"maxAttempts": 5,
            "initialBackoff": "10s", "maxBackoff": "10s", "backoffMultiplier": 1,
            "retryableStatusCodes": ["UNAVAILABLE"]}"#;
        let started = std::time::Instant::now();
        let (code, seen) = run(config(slow_retries), |_| Ok(status(Code::Unavailable, &[]))).await;
        assert_eq!((code, seen.len()), (Code::DeadlineExceeded, 1));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_duration(".01s"), Some(Duration::from_millis(10)));
        assert_eq!(parse_duration("2.000000001s"), Some(Duration::new(2, 1)));
        for bad in ["", "s", "1", "1.s0", "-1s", "1.0000000001s", "1ms", ".s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            backoff_multiplier: 2.0,
            retryable_status_codes: vec![Code::Unavailable],
        };
        let within = |d: Duration, base_ms: f64| {
            let ms = d.as_secs_f64() * 1000.0;
            (base_ms * 0.8..=base_ms * 1.2).contains(&ms)
        };
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..50 {
            assert!(within(policy.backoff(0), 100.0));
            assert!(within(policy.backoff(1), 200.0));
            assert!(within(policy.backoff(2), 300.0));
            assert!(within(policy.backoff(10), 300.0));
            distinct.insert(policy.backoff(0));
        }
        assert!(distinct.len() > 40, "no jitter: {distinct:?}");
    }
}
