//! The Echo service that `echo-server` serves, and its TLS set-up.

use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;

use tokio_stream::{Stream, StreamExt as _};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic::{Request, Response, Status, Streaming};

use crate::echo::echo_server::Echo;
use crate::echo::{EchoRequest, EchoResponse};

/// How many responses `ServerStreamingEcho` sends.
pub const STREAM_RESPONSES: usize = 10;

/// The separator of the messages `ClientStreamingEcho` answers with.
pub const JOINER: &str = ", ";

/// The responses of the streaming methods.
pub type ResponseStream = Pin<Box<dyn Stream<Item = Result<EchoResponse, Status>> + Send>>;

/// `grpc.examples.echo.Echo`: every method answers with the messages it received. Each
/// call is logged on stdout with the peer's address.
#[derive(Debug, Clone, Default)]
pub struct EchoService;

fn response(message: String) -> EchoResponse {
    EchoResponse {
        message,
        ..Default::default()
    }
}

fn log(method: &str, peer: Option<SocketAddr>, what: impl std::fmt::Display) {
    let peer = peer.map_or_else(|| "unknown peer".to_owned(), |p| p.to_string());
    println!("[{peer}] {method} {what}");
}

#[tonic::async_trait]
impl Echo for EchoService {
    async fn unary_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<EchoResponse>, Status> {
        let peer = request.remote_addr();
        let message = request.into_inner().message;
        log("UnaryEcho", peer, format_args!("{message:?}"));
        Ok(Response::new(response(message)))
    }

    type ServerStreamingEchoStream = ResponseStream;

    async fn server_streaming_echo(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let peer = request.remote_addr();
        let message = request.into_inner().message;
        log(
            "ServerStreamingEcho",
            peer,
            format_args!("{message:?}: sending {STREAM_RESPONSES} responses"),
        );
        let responses = (0..STREAM_RESPONSES).map(move |_| Ok(response(message.clone())));
        Ok(Response::new(Box::pin(tokio_stream::iter(responses))))
    }

    async fn client_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let peer = request.remote_addr();
        let mut requests = request.into_inner();
        let mut messages = Vec::new();
        while let Some(request) = requests.message().await? {
            messages.push(request.message);
        }
        log(
            "ClientStreamingEcho",
            peer,
            format_args!("{} messages: {messages:?}", messages.len()),
        );
        Ok(Response::new(response(messages.join(JOINER))))
    }

    type BidirectionalStreamingEchoStream = ResponseStream;

    async fn bidirectional_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let peer = request.remote_addr();
        log("BidirectionalStreamingEcho", peer, "started");
        // Each request is answered as it arrives, in order.
        let responses = request.into_inner().map(move |request| {
            let message = request?.message;
            log(
                "BidirectionalStreamingEcho",
                peer,
                format_args!("{message:?}"),
            );
            Ok(response(message))
        });
        Ok(Response::new(Box::pin(responses)))
    }
}

/// TLS with the certificate chain and key in `cert` and `key` (PEM); with `client_ca`,
/// mutual TLS: clients must present a certificate that chains to it.
pub fn tls_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> std::io::Result<ServerTlsConfig> {
    let identity = Identity::from_pem(read(cert)?, read(key)?);
    let mut config = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(config)
}

/// Reads a file, naming it in the error.
pub(crate) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}
