//! A pprof-style CPU profile endpoint, `GET /debug/pprof/profile?seconds=N`, served on the
//! gRPC port (see [`crate::connections::GrpcOrHttp`]): the body is a gzip'd
//! `perftools.profiles.Profile`, what Go's `net/http/pprof` serves and `go tool pprof`
//! reads. The profiler ([pprof-rs](https://docs.rs/pprof)) samples the whole process
//! with `SIGPROF` at 100 Hz.

use std::convert::Infallible;
use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use flate2::write::GzEncoder;
use http::{header, Method, Response, StatusCode};
use http_body_util::Full;
use tower_service::Service;

use crate::connections::BoxError;

/// The path of the CPU profile.
pub const PROFILE_PATH: &str = "/debug/pprof/profile";
/// Samples per second, as Go's profiler takes.
pub const FREQUENCY_HZ: i32 = 100;
/// The profile's length when the request does not say (Go's default).
pub const DEFAULT_SECONDS: u64 = 30;
/// The longest profile served (a request holds the process-wide profiler that long).
pub const MAX_SECONDS: u64 = 300;
/// Libraries whose frames the sampler skips: unwinding through them is unsafe in a
/// signal handler.
const BLOCKLIST: &[&str] = &["libc", "libgcc", "pthread", "vdso"];

/// Profiles the whole process's CPU for `duration`; returns the gzip'd profile.proto.
/// Fails when another profile is being taken (the profiler is process-wide).
pub async fn cpu_profile(duration: Duration) -> Result<Vec<u8>, BoxError> {
    // Symbolizing is blocking, CPU-heavy work, and the profiler guard is not `Send`.
    tokio::task::spawn_blocking(move || -> Result<Vec<u8>, BoxError> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .blocklist(BLOCKLIST)
            .build()?;
        std::thread::sleep(duration);
        let profile = guard.report().build()?.pprof()?;
        drop(guard);
        let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&pprof::protos::Message::encode_to_vec(&profile))?;
        Ok(gzip.finish()?)
    })
    .await?
}

/// The HTTP routes next to the gRPC services: the CPU profile, and 404 for the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfilingRoutes;

type HttpResponse = Response<tonic::body::Body>;

fn text(status: StatusCode, body: impl Into<String>) -> HttpResponse {
    let mut response = Response::new(tonic::body::Body::new(Full::new(Bytes::from(
        body.into(),
    ))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The `seconds` query parameter: `Ok(None)` when absent.
fn seconds(query: Option<&str>) -> Result<Option<u64>, String> {
    let Some(value) = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("seconds="))
    else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(s) if (1..=MAX_SECONDS).contains(&s) => Ok(Some(s)),
        _ => Err(format!(
            "seconds must be a whole number from 1 to {MAX_SECONDS}, not {value:?}\n"
        )),
    }
}

async fn route(method: Method, path: String, query: Option<String>) -> HttpResponse {
    if path != PROFILE_PATH {
        return text(StatusCode::NOT_FOUND, format!("no route for {path}\n"));
    }
    if method != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
    }
    let seconds = match seconds(query.as_deref()) {
        Ok(seconds) => seconds.unwrap_or(DEFAULT_SECONDS),
        Err(e) => return text(StatusCode::BAD_REQUEST, e),
    };
    match cpu_profile(Duration::from_secs(seconds)).await {
        Ok(profile) => {
            let mut response = Response::new(tonic::body::Body::new(Full::new(Bytes::from(
                profile,
            ))));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/octet-stream"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                header::HeaderValue::from_static("attachment; filename=\"profile\""),
            );
            response
        }
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not profile: {e}\n"),
        ),
    }
}

impl<B> Service<http::Request<B>> for ProfilingRoutes {
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The request body is not needed: drop it now rather than move it into the task.
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let (path, query) = (uri.path().to_owned(), uri.query().map(str::to_owned));
        Box::pin(async move { Ok(route(method, path, query).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::{seconds, MAX_SECONDS};

    #[test]
    fn seconds_parameter() {
        assert_eq!(seconds(None), Ok(None));
        assert_eq!(seconds(Some("debug=1")), Ok(None));
        assert_eq!(seconds(Some("seconds=5")), Ok(Some(5)));
        assert_eq!(seconds(Some("a=b&seconds=2")), Ok(Some(2)));
        for bad in ["seconds=0", "seconds=-1", "seconds=x", "seconds="] {
            assert!(seconds(Some(bad)).is_err(), "{bad}");
        }
        let over = format!("seconds={}", MAX_SECONDS + 1);
        assert!(seconds(Some(&over)).is_err());
    }
}
