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
use http_body_util::{BodyExt as _, Full};
use std::net::SocketAddr;
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

/// The error while another profile is being taken.
pub const ALREADY_PROFILING: &str = "a CPU profile is already being taken";

/// Profiles the whole process's CPU for `duration`; returns the gzip'd profile.proto.
/// Fails when another profile is being taken (the profiler is process-wide).
pub async fn cpu_profile(duration: Duration) -> Result<Vec<u8>, BoxError> {
    // Symbolizing is blocking, CPU-heavy work, and the profiler guard is not `Send`.
    tokio::task::spawn_blocking(move || -> Result<Vec<u8>, BoxError> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .blocklist(BLOCKLIST)
            .build()
            .map_err(|e| match e {
                pprof::Error::Running => BoxError::from(ALREADY_PROFILING),
                e => e.into(),
            })?;
        std::thread::sleep(duration);
        let profile = guard
            .report()
            .frames_post_processor(drop_sampler_frames)
            .build()?
            .pprof()?;
        drop(guard);
        let mut gzip = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&pprof::protos::Message::encode_to_vec(&profile))?;
        Ok(gzip.finish()?)
    })
    .await?
}

/// Removes the sampler's own frames (the unwinder, called from the signal handler) from
/// the top of a sampled stack, so that the top frame is the code that was running.
fn drop_sampler_frames(frames: &mut pprof::Frames) {
    let is_sampler = |frame: &Vec<pprof::Symbol>| {
        frame.iter().any(|symbol| {
            let name = symbol.name();
            name.starts_with("backtrace::") || name.contains("pprof::")
        })
    };
    let sampler = frames.frames.iter().take_while(|f| is_sampler(f)).count();
    frames.frames.drain(..sampler);
}

/// The HTTP routes next to the gRPC services: the CPU profile, and 404 for the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfilingRoutes;

type HttpResponse = Response<tonic::body::Body>;

fn text(status: StatusCode, body: impl Into<String>) -> HttpResponse {
    let mut response = Response::new(tonic::body::Body::new(Full::new(Bytes::from(body.into()))));
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
            let mut response =
                Response::new(tonic::body::Body::new(Full::new(Bytes::from(profile))));
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
    type Future =
        Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, Infallible>> + Send>>;

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

/// Fetches a CPU profile of `seconds` from the server at `addr` over HTTP/1.1: the
/// gzip'd profile, as served.
pub async fn fetch_profile(addr: SocketAddr, seconds: u64) -> Result<Vec<u8>, BoxError> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    let connection = tokio::spawn(connection);
    let request = http::Request::get(format!("{PROFILE_PATH}?seconds={seconds}"))
        .header(header::HOST, addr.to_string())
        .body(http_body_util::Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    connection.abort();
    if status != StatusCode::OK {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body).trim_end()).into());
    }
    Ok(body.to_vec())
}

/// What a CPU profile holds, in short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    /// `(type, unit)` of each sample value, e.g. `("cpu", "nanoseconds")`.
    pub sample_types: Vec<(String, String)>,
    /// How many stacks were sampled (each with its count of samples).
    pub stacks: usize,
    /// The samples taken, summed over the stacks (the first value is `samples/count`).
    pub samples: i64,
    /// The functions sampled most often at the top of the stack, with their sample
    /// counts, most frequent first (at most 5).
    pub top: Vec<(String, i64)>,
}

/// Reads a gzip'd profile.proto (with rsfast's code for `perftools.profiles`), checking
/// that every reference in it resolves.
pub fn summarize(gzipped: &[u8]) -> Result<ProfileSummary, BoxError> {
    use crate::perftools::profiles::Profile;
    use rsfast::Message as _;
    use std::collections::HashMap;
    use std::io::Read as _;

    let mut encoded = Vec::new();
    flate2::read::GzDecoder::new(gzipped).read_to_end(&mut encoded)?;
    let profile = Profile::decode(&encoded)?;
    let string = |i: i64| -> Result<&str, BoxError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| profile.string_table.get(i))
            .map(String::as_str)
            .ok_or_else(|| format!("string index {i} out of range").into())
    };
    if profile.string_table.first().map(String::as_str) != Some("") {
        return Err("string_table[0] must be the empty string".into());
    }
    let sample_types = profile
        .sample_type
        .iter()
        .map(|t| Ok((string(t.r#type)?.to_owned(), string(t.unit)?.to_owned())))
        .collect::<Result<Vec<_>, BoxError>>()?;
    let functions: HashMap<u64, &str> = profile
        .function
        .iter()
        .map(|f| Ok((f.id, string(f.name)?)))
        .collect::<Result<_, BoxError>>()?;
    let locations: HashMap<u64, &[_]> = profile
        .location
        .iter()
        .map(|l| (l.id, l.line.as_slice()))
        .collect();
    let mut leaf_counts: HashMap<&str, i64> = HashMap::new();
    let mut samples = 0;
    for sample in &profile.sample {
        if sample.value.len() != sample_types.len() {
            return Err("a sample's values do not match the sample types".into());
        }
        let count = sample.value.first().copied().unwrap_or(0);
        samples += count;
        for (depth, id) in sample.location_id.iter().enumerate() {
            let lines = locations
                .get(id)
                .ok_or_else(|| format!("no location {id}"))?;
            for line in lines.iter() {
                let name = functions
                    .get(&line.function_id)
                    .ok_or_else(|| format!("no function {}", line.function_id))?;
                if depth == 0 {
                    *leaf_counts.entry(name).or_default() += count;
                }
            }
        }
    }
    let mut top: Vec<(String, i64)> = leaf_counts
        .into_iter()
        .map(|(name, n)| (name.to_owned(), n))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(5);
    Ok(ProfileSummary {
        sample_types,
        stacks: profile.sample.len(),
        samples,
        top,
    })
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
