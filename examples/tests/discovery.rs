//! `echo-server` answers gRPC health checks and server reflection (v1 and v1alpha), as
//! tonic's health and reflection clients see them over a real socket on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use prost::Message as _;
use prost_types::FileDescriptorProto;
use tokio_stream::StreamExt as _;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_reflection::pb::{v1, v1alpha};

/// How long the server may take to print its address.
const STARTUP: Duration = Duration::from_secs(20);
/// How long connecting and each call may take.
const CALL: Duration = Duration::from_secs(10);

const ECHO: &str = "grpc.examples.echo.Echo";

/// A plaintext echo-server on a free port, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_echo-server"))
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn echo-server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Keeps draining stdout so the server never blocks on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
        };
        let first = rx
            .recv_timeout(STARTUP)
            .expect("echo-server printed no address");
        server.addr = first
            .strip_prefix("echo-server listening on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        server
    }

    /// A channel to it (the server listens before it prints its address).
    async fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_timeout(CALL)
            .timeout(CALL)
            .connect()
            .await
            .expect("connect to echo-server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn health_reports_the_server_and_echo_serving() {
    let server = Server::start();
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", ECHO] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("check {service:?}: {e}"));
        assert_eq!(
            response.into_inner().status(),
            ServingStatus::Serving,
            "{service:?}"
        );
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown}");

    // Watch sends the current status first.
    let mut watch = health
        .watch(HealthCheckRequest {
            service: ECHO.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(CALL, watch.next())
        .await
        .expect("watch sent nothing")
        .expect("watch ended")
        .unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
}

/// Sends one reflection request on a v1 stream and returns its answer.
async fn ask_v1(
    client: &mut v1::server_reflection_client::ServerReflectionClient<Channel>,
    request: v1::server_reflection_request::MessageRequest,
) -> v1::server_reflection_response::MessageResponse {
    try_ask_v1(client, request).await.unwrap()
}

/// [`ask_v1`], returning the stream's error status.
async fn try_ask_v1(
    client: &mut v1::server_reflection_client::ServerReflectionClient<Channel>,
    request: v1::server_reflection_request::MessageRequest,
) -> Result<v1::server_reflection_response::MessageResponse, tonic::Status> {
    let request = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await?.expect("no response");
    Ok(response.message_response.expect("empty response"))
}

fn decode_files(encoded: &[Vec<u8>]) -> Vec<FileDescriptorProto> {
    encoded
        .iter()
        .map(|bytes| FileDescriptorProto::decode(bytes.as_slice()).unwrap())
        .collect()
}

/// Checks that `files` hold echo.proto as compiled, with its service's four methods.
fn assert_is_echo_proto(files: &[FileDescriptorProto]) {
    let echo = files
        .iter()
        .find(|f| f.name() == "echo.proto")
        .unwrap_or_else(|| panic!("no echo.proto in {:?}", files.iter().map(|f| f.name())));
    assert_eq!(echo.package(), "grpc.examples.echo");
    let messages: Vec<&str> = echo.message_type.iter().map(|m| m.name()).collect();
    assert_eq!(messages, ["EchoRequest", "EchoResponse"]);
    let [service] = echo.service.as_slice() else {
        panic!("expected one service: {:?}", echo.service);
    };
    assert_eq!(service.name(), "Echo");
    let methods: Vec<(&str, bool, bool)> = service
        .method
        .iter()
        .map(|m| (m.name(), m.client_streaming(), m.server_streaming()))
        .collect();
    assert_eq!(
        methods,
        [
            ("UnaryEcho", false, false),
            ("ServerStreamingEcho", false, true),
            ("ClientStreamingEcho", true, false),
            ("BidirectionalStreamingEcho", true, true),
        ]
    );
    // Source info travels too: reflection clients show the comments.
    assert!(echo.source_code_info.is_some());
}

#[tokio::test]
async fn reflection_v1_lists_echo_and_returns_its_descriptor() {
    use v1::server_reflection_request::MessageRequest;
    use v1::server_reflection_response::MessageResponse;

    let server = Server::start();
    let mut client =
        v1::server_reflection_client::ServerReflectionClient::new(server.channel().await);

    let MessageResponse::ListServicesResponse(list) =
        ask_v1(&mut client, MessageRequest::ListServices(String::new())).await
    else {
        panic!("ListServices got another kind of answer");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            ECHO,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection"
        ]
    );

    for symbol in [
        ECHO,
        "grpc.examples.echo.Echo.UnaryEcho",
        "grpc.examples.echo.EchoRequest",
    ] {
        let MessageResponse::FileDescriptorResponse(found) = ask_v1(
            &mut client,
            MessageRequest::FileContainingSymbol(symbol.into()),
        )
        .await
        else {
            panic!("FileContainingSymbol({symbol}) got another kind of answer");
        };
        assert_is_echo_proto(&decode_files(&found.file_descriptor_proto));
    }

    let MessageResponse::FileDescriptorResponse(by_name) = ask_v1(
        &mut client,
        MessageRequest::FileByFilename("echo.proto".into()),
    )
    .await
    else {
        panic!("FileByFilename got another kind of answer");
    };
    assert_is_echo_proto(&decode_files(&by_name.file_descriptor_proto));

    // tonic-reflection ends the stream with the status (rather than an ErrorResponse).
    let unknown = try_ask_v1(
        &mut client,
        MessageRequest::FileContainingSymbol("no.such.Symbol".into()),
    )
    .await;
    match unknown {
        Err(status) => assert_eq!(status.code(), Code::NotFound, "{status}"),
        Ok(MessageResponse::ErrorResponse(error)) => {
            assert_eq!(error.error_code, Code::NotFound as i32, "{error:?}")
        }
        Ok(_) => panic!("an unknown symbol was found"),
    }
}

#[tokio::test]
async fn reflection_v1alpha_serves_the_same() {
    use v1alpha::server_reflection_request::MessageRequest;
    use v1alpha::server_reflection_response::MessageResponse;

    let server = Server::start();
    let mut client =
        v1alpha::server_reflection_client::ServerReflectionClient::new(server.channel().await);
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol(ECHO.into()),
    ]
    .map(|request| v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    });
    // Both questions on one stream, answered in order.
    let mut responses = client
        .server_reflection_info(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let mut next = async || {
        responses
            .message()
            .await
            .unwrap()
            .and_then(|r| r.message_response)
            .expect("an answer")
    };
    let MessageResponse::ListServicesResponse(list) = next().await else {
        panic!("ListServices got another kind of answer");
    };
    assert!(list.service.iter().any(|s| s.name == ECHO), "{list:?}");
    assert!(list
        .service
        .iter()
        .any(|s| s.name == "grpc.reflection.v1alpha.ServerReflection"));
    let MessageResponse::FileDescriptorResponse(found) = next().await else {
        panic!("FileContainingSymbol got another kind of answer");
    };
    assert_is_echo_proto(&decode_files(&found.file_descriptor_proto));
    assert!(
        responses.message().await.unwrap().is_none(),
        "more answers than questions"
    );
}

/// The embedded set is what reflection serves: echo.proto (which imports nothing).
#[test]
fn embedded_descriptor_set_holds_echo_proto() {
    let set = prost_types::FileDescriptorSet::decode(rsfast_examples::echo::FILE_DESCRIPTOR_SET)
        .expect("FILE_DESCRIPTOR_SET decodes");
    assert_eq!(set.file.len(), 1);
    assert_is_echo_proto(&set.file);
    assert_eq!(rsfast_examples::discovery::ECHO_SERVICE, ECHO);
}
