//! What lets standard tools discover the Echo server: gRPC health checking
//! (`grpc.health.v1.Health`) and server reflection (`grpc.reflection.v1` and
//! `grpc.reflection.v1alpha`), from the descriptors the `file_descriptor_set` option
//! embeds in the generated code.

use tonic::server::NamedService;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::server::HealthReporter;
use tonic_reflection::server::{v1, v1alpha, Builder, Error};

use crate::echo::echo_server::EchoServer;
use crate::server::EchoService;

/// The service name health checks and reflection report for Echo.
pub const ECHO_SERVICE: &str = <EchoServer<EchoService> as NamedService>::NAME;

/// The health service, reporting the server as a whole (`""`) and Echo as `SERVING`. The
/// reporter can change that later (e.g. `NOT_SERVING` while draining).
pub async fn health() -> (HealthReporter, HealthServer<impl Health>) {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter.set_serving::<EchoServer<EchoService>>().await;
    (reporter, service)
}

/// Reflection over Echo's descriptors (from `FILE_DESCRIPTOR_SET`), the health service's
/// and reflection's own.
fn reflection() -> Builder<'static> {
    Builder::configure()
        .register_encoded_file_descriptor_set(crate::echo::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}

/// Server reflection, `grpc.reflection.v1.ServerReflection` (grpcurl, grpcui, Postman).
pub fn reflection_v1() -> Result<v1::ServerReflectionServer<impl v1::ServerReflection>, Error> {
    reflection().build_v1()
}

/// Server reflection, `grpc.reflection.v1alpha.ServerReflection`, which older clients
/// (and grpcio's reflection client) still ask for.
pub fn reflection_v1alpha(
) -> Result<v1alpha::ServerReflectionServer<impl v1alpha::ServerReflection>, Error> {
    reflection().build_v1alpha()
}
