//! Code generated at build time by `build.rs` (one module per proto package, with tonic
//! client and server modules for the services), and the Echo service that the example
//! binaries serve and call.
#![deny(warnings)]

/// `grpc.examples.echo`: the Echo messages, the `echo_client` / `echo_server` modules, and
/// `FILE_DESCRIPTOR_SET` (for server reflection).
pub mod echo {
    rsfast::include_proto!("grpc.examples.echo");
}

pub mod balance;
pub mod cancellation;
pub mod client;
pub mod connections;
pub mod discovery;
pub mod etcd;
pub mod interceptors;
pub mod profiling;
pub mod replay;
pub mod retry;
pub mod server;
pub mod slow_echo;

/// `perftools.profiles`: pprof's profile format (proto/perftools/profile.proto), to read
/// the CPU profiles of the `/debug/pprof/profile` endpoint.
pub mod perftools {
    pub mod profiles {
        rsfast::include_proto!("perftools.profiles");
    }
}

/// Services over messages of other packages and nested messages: the generated code must
/// find them from its client and server modules.
#[cfg(test)]
pub mod generated {
    pub mod demo {
        pub mod shapes {
            rsfast::include_proto!("demo.shapes");
        }
        pub mod routes {
            pub mod v1 {
                rsfast::include_proto!("demo.routes.v1");
            }
        }
    }

    use demo::routes::v1::{route_guide_client::RouteGuideClient, route_guide_server};
    use demo::routes::v1::{route_guide_server::RouteGuide, Local};
    use demo::shapes::{outer::Inner, Point};
    use std::pin::Pin;
    use tokio_stream::Stream;
    use tonic::{Request, Response, Status, Streaming};

    type Points = Pin<Box<dyn Stream<Item = Result<Point, Status>> + Send>>;
    type Locals = Pin<Box<dyn Stream<Item = Result<Local, Status>> + Send>>;

    struct Guide;

    #[tonic::async_trait]
    impl RouteGuide for Guide {
        async fn get_label(&self, request: Request<Point>) -> Result<Response<Inner>, Status> {
            let p = request.into_inner();
            Ok(Response::new(Inner {
                label: format!("{},{}", p.x, p.y),
                ..Default::default()
            }))
        }

        type ListPointsStream = Points;

        async fn list_points(&self, _: Request<Local>) -> Result<Response<Points>, Status> {
            Ok(Response::new(Box::pin(tokio_stream::empty())))
        }

        #[allow(non_camel_case_types)]
        type typeStream = Locals;

        async fn r#type(&self, _: Request<Streaming<Point>>) -> Result<Response<Locals>, Status> {
            Ok(Response::new(Box::pin(tokio_stream::empty())))
        }
    }

    #[test]
    fn cross_package_services_compile() {
        let _server = route_guide_server::RouteGuideServer::new(Guide);
        assert_eq!(
            route_guide_server::SERVICE_NAME,
            "demo.routes.v1.RouteGuide"
        );
        // The client's methods take and return the other package's types.
        #[allow(deprecated)]
        async fn _client_types(mut c: RouteGuideClient<tonic::transport::Channel>) {
            let _: Result<Response<Inner>, Status> = c.get_label(Point::default()).await;
            let _: Result<Response<Streaming<Point>>, Status> =
                c.list_points(Local::default()).await;
            let _: Result<Response<Streaming<Local>>, Status> =
                c.r#type(tokio_stream::empty::<Point>()).await;
        }
    }
}
