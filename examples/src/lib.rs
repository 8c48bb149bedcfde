//! Code generated at build time by `build.rs`, one module per proto package.
#![deny(warnings)]

/// `grpc.examples.echo`: the Echo messages.
pub mod echo {
    rsfast::include_proto!("grpc.examples.echo");
}
