//! gRPC services (the `grpc` option): tonic client and server modules, written by
//! tonic-build's own service generator over rsfast's model, with
//! `::rsfast::tonic::RsfastCodec` as the codec.
//!
//! tonic-build puts each service's code in `pub mod <service>_client` and
//! `pub mod <service>_server` inside the package's module, so message paths are computed
//! from one module deeper than the package (`super::EchoRequest`,
//! `super::super::other::Point`).

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;
use tonic_build::CodeGenBuilder;

use super::type_path;
use crate::model::{Package, Service, TypePath};
use crate::Error;

/// The codec generated code names; `RsfastCodec::default()` infers its message types.
const CODEC_PATH: &str = "::rsfast::tonic::RsfastCodec";

/// The client and server modules of every service of `package` (nothing when it has
/// none, or the `grpc` option is off).
pub(super) fn services(package: &Package) -> Result<TokenStream, Error> {
    check_module_names(package)?;
    let modules = package.services.iter().map(|service| {
        let adapter = GrpcService::new(service);
        let mut builder = CodeGenBuilder::new();
        builder
            .emit_package(true)
            .build_transport(true)
            .compile_well_known_types(false);
        let client = builder.generate_client(&adapter, "super");
        let mut server = builder.generate_server(&adapter, "super");
        if adapter.needs_camel_case_allowance() {
            // tonic names a server-streaming method's response type `<Method>Stream`
            // after the method's proto name, which need not be UpperCamel. The allowance
            // joins the module's inner attributes (an outer one would mix styles).
            let mut module: syn::ItemMod = syn::parse2(server).map_err(|e| {
                Error::new(format!("internal error: tonic-build's server module: {e}"))
            })?;
            module
                .attrs
                .push(syn::parse_quote!(#![allow(non_camel_case_types)]));
            server = quote!(#module);
        }
        Ok(quote! {
            #client
            #server
        })
    });
    let modules = modules.collect::<Result<Vec<_>, Error>>()?;
    Ok(quote!(#(#modules)*))
}

/// tonic-build names the modules `<snake service>_client` and `_server`; a message's
/// module of nested types, or another service's module, by the same name would make the
/// generated file fail to compile: say so here instead.
fn check_module_names(package: &Package) -> Result<(), Error> {
    let mut taken: HashMap<String, String> = package
        .messages
        .iter()
        // As `types::child_module`: only messages with nested items get a module.
        .filter(|m| {
            !(m.messages.is_empty()
                && m.enums.is_empty()
                && m.oneofs.is_empty()
                && m.extensions.is_empty())
        })
        .map(|m| (m.child_module.clone(), format!("message {}", m.full_name)))
        .collect();
    for service in &package.services {
        let snake = tonic_snake_case(&service.rust_name);
        for module in [format!("{snake}_client"), format!("{snake}_server")] {
            let owner = format!("service {}", service.full_name);
            if let Some(other) = taken.insert(module.clone(), owner.clone()) {
                return Err(Error::new(format!(
                    "package {:?}: the gRPC module `{module}` of {owner} collides with the module of {other}",
                    package.name
                )));
            }
        }
    }
    Ok(())
}

/// tonic-build's own snake case for module names (an underscore before every uppercase
/// letter but the first), which differs from heck's for acronyms.
fn tonic_snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c.to_ascii_lowercase());
        if chars.peek().is_some_and(|next| next.is_uppercase()) {
            out.push('_');
        }
    }
    out
}

/// A model service as tonic-build's `Service`.
struct GrpcService<'a> {
    service: &'a Service,
    doc: Vec<String>,
    methods: Vec<GrpcMethod<'a>>,
}

struct GrpcMethod<'a> {
    method: &'a crate::model::Method,
    doc: Vec<String>,
    input: TokenStream,
    output: TokenStream,
}

impl<'a> GrpcService<'a> {
    fn new(service: &'a Service) -> Self {
        // The client and server modules, one level below the package's.
        let mut from = service.module.clone();
        from.push("<service module>".to_owned());
        let path = |p: &TypePath| type_path(p, &from);
        GrpcService {
            service,
            doc: doc_lines(&service.doc),
            methods: service
                .methods
                .iter()
                .map(|method| GrpcMethod {
                    method,
                    doc: doc_lines(&method.doc),
                    input: path(&method.input),
                    output: path(&method.output),
                })
                .collect(),
        }
    }

    fn needs_camel_case_allowance(&self) -> bool {
        self.service
            .methods
            .iter()
            .any(|m| m.server_streaming && crate::names::upper_camel(&m.proto_name) != m.proto_name)
    }
}

/// Doc lines as the rest of the generated code writes them (`/// text`): tonic-build adds
/// the leading space only to lines that lack one.
fn doc_lines(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| format!(" {l}")).collect()
}

impl<'a> tonic_build::Service for GrpcService<'a> {
    type Comment = String;
    type Method = GrpcMethod<'a>;

    fn name(&self) -> &str {
        &self.service.rust_name
    }

    fn package(&self) -> &str {
        &self.service.package
    }

    fn identifier(&self) -> &str {
        &self.service.proto_name
    }

    fn methods(&self) -> &[Self::Method] {
        &self.methods
    }

    fn comment(&self) -> &[Self::Comment] {
        &self.doc
    }
}

impl tonic_build::Method for GrpcMethod<'_> {
    type Comment = String;

    fn name(&self) -> &str {
        &self.method.rust_name
    }

    fn identifier(&self) -> &str {
        &self.method.proto_name
    }

    fn codec_path(&self) -> &str {
        CODEC_PATH
    }

    fn client_streaming(&self) -> bool {
        self.method.client_streaming
    }

    fn server_streaming(&self) -> bool {
        self.method.server_streaming
    }

    fn comment(&self) -> &[Self::Comment] {
        &self.doc
    }

    fn deprecated(&self) -> bool {
        self.method.deprecated
    }

    /// The message paths as seen from the client and server modules (tonic-build's
    /// `proto_path` is prost's convention; rsfast computes relative paths itself).
    fn request_response_name(
        &self,
        _proto_path: &str,
        _compile_well_known_types: bool,
    ) -> (TokenStream, TokenStream) {
        (self.input.clone(), self.output.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Options};

    fn proto_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto")
    }

    fn echo(config: &Config) -> String {
        let dir = proto_dir();
        let files = config.generate(&[dir.join("echo.proto")], &[dir]).unwrap();
        files.into_iter().next().unwrap().content
    }

    #[test]
    fn option_parses() {
        assert!(!Options::default().grpc);
        assert!(Options::parse("grpc").unwrap().grpc);
        assert!(
            Options::parse("unknown_fields=false,grpc=true")
                .unwrap()
                .grpc
        );
        assert!(!Options::parse("grpc=false").unwrap().grpc);
        assert!(Options::parse("grpc=maybe").is_err());
    }

    #[test]
    fn echo_service_through_tonic_build() {
        let code = echo(Config::new().grpc(true));
        for expected in [
            "pub mod echo_client {",
            "pub mod echo_server {",
            "pub struct EchoClient<T>",
            "pub trait Echo: std::marker::Send",
            "let codec = ::rsfast::tonic::RsfastCodec::default();",
            "\"/grpc.examples.echo.Echo/BidirectionalStreamingEcho\"",
            "request: impl tonic::IntoRequest<super::EchoRequest>,",
            "type ServerStreamingEchoStream",
            "/// Echo is the echo service.",
            "/// ClientStreamingEcho is client side streaming.",
        ] {
            assert!(code.contains(expected), "{expected:?} not in\n{code}");
        }
        assert!(!code.contains("#![allow(non_camel_case_types)]"), "{code}");
    }

    #[test]
    fn off_by_default() {
        let code = echo(&Config::new());
        assert!(!code.contains("echo_client"), "{code}");
        assert!(!code.contains("tonic"), "{code}");
    }

    #[test]
    fn module_name_collisions_are_errors() {
        let dir = std::env::temp_dir().join(format!("rsfast-grpc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let proto = dir.join("clash.proto");
        std::fs::write(
            &proto,
            "syntax = \"proto3\"; package clash;\n\
             message EchoClient { message Nested {} }\n\
             service Echo { rpc Call(EchoClient) returns (EchoClient); }\n",
        )
        .unwrap();
        let result = Config::new()
            .grpc(true)
            .generate(std::slice::from_ref(&proto), std::slice::from_ref(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("`echo_client`")
                && err.contains("clash.Echo")
                && err.contains("clash.EchoClient"),
            "{err}"
        );
    }

    #[test]
    fn snake_case_as_tonic_build() {
        assert_eq!(tonic_snake_case("Echo"), "echo");
        assert_eq!(tonic_snake_case("RouteGuide"), "route_guide");
        assert_eq!(tonic_snake_case("ABCService"), "a_b_c_service");
    }
}
