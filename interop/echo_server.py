"""grpc.examples.echo.Echo served by Python's grpcio: the independent implementation the
Rust echo-client is checked against. Same behaviour as the Rust echo-server: UnaryEcho
returns the message, ServerStreamingEcho sends it back 10 times, ClientStreamingEcho
answers once with the messages joined by ", ", BidirectionalStreamingEcho answers each
message as it arrives.

Prints `echo-server listening on 127.0.0.1:PORT (MODE)` once it accepts calls, then
serves until killed. Needs the grpcio-tools stubs of proto/echo.proto on sys.path.

    python echo_server.py [--addr 127.0.0.1:0] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]
"""

import argparse
import sys
from concurrent import futures

import grpc

import echo_pb2
import echo_pb2_grpc

STREAM_RESPONSES = 10
JOINER = ", "


class Echo(echo_pb2_grpc.EchoServicer):
    def UnaryEcho(self, request, context):
        return echo_pb2.EchoResponse(message=request.message)

    def ServerStreamingEcho(self, request, context):
        for _ in range(STREAM_RESPONSES):
            yield echo_pb2.EchoResponse(message=request.message)

    def ClientStreamingEcho(self, request_iterator, context):
        return echo_pb2.EchoResponse(
            message=JOINER.join(r.message for r in request_iterator)
        )

    def BidirectionalStreamingEcho(self, request_iterator, context):
        for request in request_iterator:
            yield echo_pb2.EchoResponse(message=request.message)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addr", default="127.0.0.1:0")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca", help="require client certificates signed by this CA")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key) or (args.client_ca and not args.tls_cert):
        parser.error("--tls-cert and --tls-key go together; --client-ca needs them")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
    host = args.addr.rsplit(":", 1)[0]
    if args.tls_cert:
        credentials = grpc.ssl_server_credentials(
            [(read(args.tls_key), read(args.tls_cert))],
            root_certificates=read(args.client_ca) if args.client_ca else None,
            require_client_auth=bool(args.client_ca),
        )
        port = server.add_secure_port(args.addr, credentials)
        mode = "mutual TLS" if args.client_ca else "TLS"
    else:
        port = server.add_insecure_port(args.addr)
        mode = "plaintext"
    if port == 0:
        sys.exit(f"echo_server.py: cannot listen on {args.addr}")
    server.start()
    print(f"echo-server listening on {host}:{port} ({mode})", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
