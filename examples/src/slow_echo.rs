//! A slow `grpc.examples.echo.Echo` that works the way real services do (a unary call
//! takes a while, streams are fed by a worker task) and reports when each piece of work
//! stops and why: one can see it stop when the client cancels or its deadline passes.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

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
