//! A request body that can be sent again: what retries and fail-over need, since a tower
//! layer under tonic's client sees the request as a body stream that it can read once.
//!
//! The body is not read ahead: each attempt pulls frames from the one source as the
//! transport asks for them, and the frames read so far are kept (up to a byte limit) so
//! that the next attempt sends them again before pulling more. A unary or server-streaming
//! request (one message) is replayable whole; a client-streaming or bidirectional request
//! stays replayable while the messages sent so far fit the limit, so a call the server
//! refused before answering can be retried even though the client has not finished its
//! stream. Past the limit the call is committed to its current attempt (as in gRPC's own
//! retry buffer).

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::Frame;
use tonic::body::Body;
use tonic::Status;

/// How many request bytes a call keeps for replaying (grpc-go's per-RPC default).
pub const DEFAULT_REPLAY_LIMIT: usize = 256 * 1024;

/// The request body of one call, shared by its attempts.
#[derive(Debug, Clone)]
pub struct Replay {
    shared: Arc<Mutex<Shared>>,
}

#[derive(Debug)]
struct Shared {
    source: Body,
    /// Every frame read from `source` so far, while `kept` has stayed within `limit`.
    frames: Vec<Recorded>,
    kept: usize,
    limit: usize,
    /// The frames no longer are all in `frames` (over the limit, or the source failed):
    /// only the current attempt can go on.
    committed: bool,
    /// `source` has ended.
    ended: bool,
    /// The attempt allowed to read: earlier attempts that the transport still polls get
    /// an error instead of taking frames from the current one.
    current: u64,
}

#[derive(Debug, Clone)]
enum Recorded {
    Data(Bytes),
    Trailers(HeaderMap),
}

impl Recorded {
    fn frame(&self) -> Frame<Bytes> {
        match self {
            Recorded::Data(data) => Frame::data(data.clone()),
            Recorded::Trailers(trailers) => Frame::trailers(trailers.clone()),
        }
    }
}

impl Replay {
    /// Keeps up to `limit` bytes of `body` for replaying.
    pub fn new(body: Body, limit: usize) -> Replay {
        Replay {
            shared: Arc::new(Mutex::new(Shared {
                source: body,
                frames: Vec::new(),
                kept: 0,
                limit,
                committed: false,
                ended: false,
                current: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock leaves consistent state (all updates are single
        // assignments after the poll), so a poisoned lock is still usable.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether another attempt can send the whole request again.
    pub fn replayable(&self) -> bool {
        !self.lock().committed
    }

    /// The body of a new attempt: the frames read so far, then the rest of the source.
    /// Earlier attempts' bodies stop reading.
    pub fn attempt(&self) -> Body {
        let mut shared = self.lock();
        shared.current += 1;
        Body::new(ReplayBody {
            shared: self.shared.clone(),
            attempt: shared.current,
            next: 0,
        })
    }
}

/// One attempt's view of a [`Replay`].
#[derive(Debug)]
struct ReplayBody {
    shared: Arc<Mutex<Shared>>,
    attempt: u64,
    /// The index in `frames` of the next frame to send.
    next: usize,
}

impl http_body::Body for ReplayBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        let mut shared = this.shared.lock().unwrap_or_else(|e| e.into_inner());
        if shared.current != this.attempt {
            return Poll::Ready(Some(Err(Status::cancelled(
                "request superseded by a retry",
            ))));
        }
        if let Some(recorded) = shared.frames.get(this.next) {
            this.next += 1;
            return Poll::Ready(Some(Ok(recorded.frame())));
        }
        if shared.ended {
            return Poll::Ready(None);
        }
        // This attempt has sent everything recorded: read on from the source.
        let polled = std::pin::Pin::new(&mut shared.source).poll_frame(cx);
        let shared = &mut *shared;
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                shared.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(status))) => {
                shared.committed = true;
                shared.frames.clear();
                Poll::Ready(Some(Err(status)))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if !shared.committed {
                    let size = frame.data_ref().map_or(0, Bytes::len);
                    if shared.kept + size > shared.limit {
                        shared.committed = true;
                        shared.frames = Vec::new();
                    } else if let Some(data) = frame.data_ref() {
                        shared.kept += size;
                        shared.frames.push(Recorded::Data(data.clone()));
                    } else if let Some(trailers) = frame.trailers_ref() {
                        shared.frames.push(Recorded::Trailers(trailers.clone()));
                    }
                }
                // Committed: only this attempt goes on, so `next` no longer matters, but
                // it must stay past `frames` (now empty) to keep reading the source.
                this.next = shared.frames.len();
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn body(chunks: &[&'static [u8]]) -> Body {
        let frames = chunks
            .iter()
            .map(|c| Ok::<_, Status>(Frame::data(Bytes::from_static(c))))
            .collect::<Vec<_>>();
        Body::new(http_body_util::StreamBody::new(tokio_stream::iter(frames)))
    }

    async fn read_all(body: Body) -> Result<Vec<u8>, Status> {
        Ok(body.collect().await?.to_bytes().to_vec())
    }

    #[tokio::test]
    async fn replays_what_earlier_attempts_read() {
        let replay = Replay::new(body(&[b"ab", b"cd", b"ef"]), 100);
        // The first attempt reads one frame and is abandoned.
        let mut first = replay.attempt();
        let frame = first.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), Bytes::from_static(b"ab"));
        // The second gets it again, then the rest of the source.
        let second = replay.attempt();
        assert_eq!(read_all(second).await.unwrap(), b"abcdef");
        assert!(replay.replayable());
        assert_eq!(read_all(replay.attempt()).await.unwrap(), b"abcdef");
        // A superseded attempt cannot steal frames.
        assert_eq!(
            first.frame().await.unwrap().unwrap_err().code(),
            tonic::Code::Cancelled
        );
    }

    #[tokio::test]
    async fn past_the_limit_only_the_current_attempt_goes_on() {
        let replay = Replay::new(body(&[b"abc", b"def"]), 4);
        let attempt = replay.attempt();
        assert_eq!(read_all(attempt).await.unwrap(), b"abcdef");
        assert!(!replay.replayable());
    }
}
