//! Connecting to an Echo server (plaintext, TLS or mutual TLS) and calling all four RPC
//! kinds: what `echo-client` does.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::Status;

use crate::echo::echo_client::EchoClient;
use crate::echo::EchoRequest;
use crate::server::read;

/// How many messages the client-streaming and bidirectional calls send.
pub const STREAMED_REQUESTS: usize = 5;

/// TLS settings of a client.
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// The CA (PEM) that the server's certificate must chain to.
    pub ca: PathBuf,
    /// The client's certificate chain and key (PEM), for servers that require mutual TLS.
    pub identity: Option<(PathBuf, PathBuf)>,
    /// The name the server's certificate must be valid for (default: the host of `addr`).
    pub server_name: Option<String>,
}

/// Connects to the Echo server at `addr` (`host:port`), over TLS when `tls` is given.
pub async fn connect(
    addr: &str,
    tls: Option<&ClientTls>,
) -> Result<EchoClient<Channel>, Box<dyn std::error::Error + Send + Sync>> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10));
    if let Some(tls) = tls {
        let mut config =
            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(&tls.ca)?));
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        if let Some(name) = &tls.server_name {
            config = config.domain_name(name.clone());
        }
        endpoint = endpoint.tls_config(config)?;
    }
    Ok(EchoClient::new(endpoint.connect().await?))
}

fn request(message: String) -> EchoRequest {
    EchoRequest {
        message,
        ..Default::default()
    }
}

/// The messages the client-streaming and bidirectional calls send for `message`.
pub fn streamed_messages(message: &str) -> Vec<String> {
    (1..=STREAMED_REQUESTS)
        .map(|i| format!("{message} {i}"))
        .collect()
}

/// Calls each of the four methods once with `message`, reporting what is sent and
/// received to `report` (one line per response, as it arrives); fails at the first error.
pub async fn echo_all<T>(
    client: &mut EchoClient<T>,
    message: &str,
    mut report: impl FnMut(String),
) -> Result<(), Status>
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    // Unary: one request, one response.
    let response = client.unary_echo(request(message.to_owned())).await?;
    report(format!("UnaryEcho -> {:?}", response.into_inner().message));

    // Server streaming: one request, several responses.
    let mut responses = client
        .server_streaming_echo(request(message.to_owned()))
        .await?
        .into_inner();
    let mut count = 0;
    while let Some(response) = responses.message().await? {
        count += 1;
        report(format!(
            "ServerStreamingEcho -> {:?} ({count})",
            response.message
        ));
    }

    // Client streaming: several requests, one response.
    let messages = streamed_messages(message);
    let requests = tokio_stream::iter(messages.clone().into_iter().map(request));
    let response = client.client_streaming_echo(requests).await?;
    report(format!(
        "ClientStreamingEcho {messages:?} -> {:?}",
        response.into_inner().message
    ));

    // Bidirectional: send one, wait for its answer, send the next.
    let (tx, rx) = mpsc::channel(1);
    let mut outgoing = messages.into_iter();
    let first = outgoing.next().expect("STREAMED_REQUESTS > 0");
    let closed = || Status::unavailable("request stream closed");
    tx.send(request(first.clone()))
        .await
        .map_err(|_| closed())?;
    let mut responses = client
        .bidirectional_streaming_echo(ReceiverStream::new(rx))
        .await?
        .into_inner();
    let mut sent = Some(first);
    while let Some(message) = sent.take() {
        let response = responses
            .message()
            .await?
            .ok_or_else(|| Status::internal("bidirectional stream ended early"))?;
        report(format!(
            "BidirectionalStreamingEcho {message:?} -> {:?}",
            response.message
        ));
        if let Some(next) = outgoing.next() {
            tx.send(request(next.clone())).await.map_err(|_| closed())?;
            sent = Some(next);
        }
    }
    drop(tx);
    if responses.message().await?.is_some() {
        return Err(Status::internal("more responses than requests"));
    }
    Ok(())
}
