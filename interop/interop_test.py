"""Interop between rsfast's tonic Echo (the Rust echo-server and echo-client binaries) and
an independent gRPC implementation, Python's grpcio:

- grpcio's client calls all four RPC kinds on the Rust echo-server in plaintext, over TLS
  and over mutual TLS, and is refused by the mutual-TLS server without a certificate;
- the Rust echo-client calls a grpcio Echo server (echo_server.py) the same three ways,
  and is refused by its mutual-TLS variant without a certificate;
- grpcio's health-checking and reflection clients query the Rust echo-server, and a call
  built only from the reflected descriptors succeeds.

Run by scripts/interop.sh, which builds the binaries and generates the stubs:

    python interop_test.py --bin-dir target/debug --stubs DIR --work DIR

Every server listens on 127.0.0.1 on a free port and is killed when its test ends; every
call, wait and subprocess has a timeout.
"""

import argparse
import os
import queue
import subprocess
import sys
import threading
import time
import unittest

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))

# Filled in by main() from the command line.
BIN_DIR = ""
WORK_DIR = ""
CERTS = ""

# Bounds on every wait.
STARTUP_SECONDS = 20
CALL_SECONDS = 10
RUN_SECONDS = 60

ECHO_SERVICE = "grpc.examples.echo.Echo"
STREAM_RESPONSES = 10
STREAMED_REQUESTS = 5


class Server:
    """A server process that prints `echo-server listening on ADDR (MODE)` first; its
    output is drained (and kept) by a thread, and it is killed by stop()."""

    def __init__(self, argv):
        self.argv = argv
        self.lines = queue.Queue()
        self.process = subprocess.Popen(
            argv + ["--addr", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        try:
            first = self.lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            self.stop()
            raise AssertionError(f"{argv[0]} printed no address in {STARTUP_SECONDS}s")
        prefix = "echo-server listening on "
        if not first.startswith(prefix):
            self.stop()
            raise AssertionError(f"{argv[0]}: unexpected first line {first!r}")
        self.addr = first[len(prefix):].split(" ")[0]
        self.mode = first.rsplit("(", 1)[-1].rstrip(")")

    def _drain(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_log(self, predicate):
        """Waits (bounded) for a line that satisfies predicate; returns the lines read."""
        seen = []
        deadline = time.monotonic() + CALL_SECONDS
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"{self.argv[0]} never logged the line; it logged {seen}")
            seen.append(line)
            if predicate(line):
                return seen

    def logged(self):
        """The lines logged so far, without waiting."""
        lines = []
        while True:
            try:
                lines.append(self.lines.get_nowait())
            except queue.Empty:
                return lines

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=CALL_SECONDS)
        # The pipe reaches its end once the process is gone.
        self.drain.join(timeout=CALL_SECONDS)
        self.process.stdout.close()


def rust_bin(name):
    return os.path.join(BIN_DIR, name)


def rust_server(*args):
    return Server([rust_bin("echo-server"), *args])


def python_server(*args):
    return Server([sys.executable, os.path.join(HERE, "echo_server.py"), *args])


def cert(name):
    return os.path.join(CERTS, name)


def read(name):
    with open(cert(name), "rb") as f:
        return f.read()


def tls_server_args():
    return ["--tls-cert", cert("server.pem"), "--tls-key", cert("server.key")]


def mtls_server_args():
    return tls_server_args() + ["--client-ca", cert("ca.pem")]


def python_channel(addr, tls=False, client_cert=False):
    if not tls:
        return grpc.insecure_channel(addr)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.pem"),
        private_key=read("client.key") if client_cert else None,
        certificate_chain=read("client.pem") if client_cert else None,
    )
    return grpc.secure_channel(addr, credentials)


def run(argv):
    """Runs a binary to completion (bounded); returns the CompletedProcess."""
    return subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_SECONDS,
    )


def streamed(message):
    return [f"{message} {i}" for i in range(1, STREAMED_REQUESTS + 1)]


def rust_client_transcript(message):
    """Exactly what echo-client prints when every call echoes `message`."""

    def q(text):
        # Rust's {:?} of a string without quotes, backslashes or control characters.
        return '"' + text + '"'

    lines = [f"UnaryEcho -> {q(message)}"]
    lines += [f"ServerStreamingEcho -> {q(message)} ({i})" for i in range(1, STREAM_RESPONSES + 1)]
    sent = streamed(message)
    listed = "[" + ", ".join(q(m) for m in sent) + "]"
    lines.append(f"ClientStreamingEcho {listed} -> {q(', '.join(sent))}")
    lines += [f"BidirectionalStreamingEcho {q(m)} -> {q(m)}" for m in sent]
    return lines


class PythonClientRustServer(unittest.TestCase):
    """grpcio's client against the Rust echo-server."""

    maxDiff = None

    def echo_all_four(self, channel, message):
        import echo_pb2
        import echo_pb2_grpc

        grpc.channel_ready_future(channel).result(timeout=STARTUP_SECONDS)
        stub = echo_pb2_grpc.EchoStub(channel)
        request = echo_pb2.EchoRequest

        response = stub.UnaryEcho(request(message=message), timeout=CALL_SECONDS)
        self.assertEqual(response.message, message)

        responses = list(stub.ServerStreamingEcho(request(message=message), timeout=CALL_SECONDS))
        self.assertEqual([r.message for r in responses], [message] * STREAM_RESPONSES)

        sent = streamed(message)
        response = stub.ClientStreamingEcho(
            iter([request(message=m) for m in sent]), timeout=CALL_SECONDS
        )
        self.assertEqual(response.message, ", ".join(sent))

        # Bidirectional: send one, wait for its answer, then send the next.
        outgoing = queue.Queue()

        def requests():
            while True:
                item = outgoing.get(timeout=CALL_SECONDS)
                if item is None:
                    return
                yield request(message=item)

        call = stub.BidirectionalStreamingEcho(requests(), timeout=CALL_SECONDS)
        for m in sent:
            outgoing.put(m)
            self.assertEqual(next(call).message, m)
        outgoing.put(None)
        self.assertEqual(list(call), [], "more responses than requests")

    def check(self, server_args, tls=False, client_cert=False):
        server = rust_server(*server_args)
        try:
            for message in ["hello from grpcio", "grüße, 世界"]:
                with python_channel(server.addr, tls, client_cert) as channel:
                    self.echo_all_four(channel, message)
                last = f'BidirectionalStreamingEcho "{message} {STREAMED_REQUESTS}"'
                log = server.wait_for_log(lambda line: line.endswith(last))
                for call in ["UnaryEcho", "ServerStreamingEcho", "ClientStreamingEcho"]:
                    self.assertTrue(
                        any(f"] {call} " in line for line in log), f"{call} not logged: {log}"
                    )
        finally:
            server.stop()
        return server

    def test_plaintext(self):
        self.assertEqual(self.check([]).mode, "plaintext")

    def test_tls(self):
        self.assertEqual(self.check(tls_server_args(), tls=True).mode, "TLS")

    def test_mutual_tls(self):
        server = self.check(mtls_server_args(), tls=True, client_cert=True)
        self.assertEqual(server.mode, "mutual TLS")

    def test_mutual_tls_refuses_a_client_without_certificate(self):
        import echo_pb2
        import echo_pb2_grpc

        server = rust_server(*mtls_server_args())
        try:
            with python_channel(server.addr, tls=True, client_cert=False) as channel:
                stub = echo_pb2_grpc.EchoStub(channel)
                with self.assertRaises(grpc.RpcError) as refused:
                    stub.UnaryEcho(echo_pb2.EchoRequest(message="no cert"), timeout=CALL_SECONDS)
                self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)
            # The server saw no call (it logs each one as it starts).
            time.sleep(0.2)
            self.assertEqual([line for line in server.logged() if "UnaryEcho" in line], [])
        finally:
            server.stop()


class RustClientPythonServer(unittest.TestCase):
    """The Rust echo-client against grpcio's server (echo_server.py)."""

    maxDiff = None

    def check(self, server_args, client_args):
        server = python_server(*server_args)
        try:
            for message in ["hello from rsfast", "grüße, 世界"]:
                out = run(
                    [rust_bin("echo-client"), "--addr", server.addr, "--message", message]
                    + client_args
                )
                self.assertEqual(out.returncode, 0, f"echo-client failed:\n{out.stdout}{out.stderr}")
                self.assertEqual(out.stdout.splitlines(), rust_client_transcript(message))
        finally:
            server.stop()
        return server

    def test_plaintext(self):
        self.assertEqual(self.check([], []).mode, "plaintext")

    def test_tls(self):
        server = self.check(tls_server_args(), ["--ca", cert("ca.pem")])
        self.assertEqual(server.mode, "TLS")

    def test_tls_with_server_name(self):
        self.check(tls_server_args(), ["--ca", cert("ca.pem"), "--server-name", "mysite"])

    def test_mutual_tls(self):
        client_args = ["--ca", cert("ca.pem"), "--cert", cert("client.pem"), "--key", cert("client.key")]
        self.assertEqual(self.check(mtls_server_args(), client_args).mode, "mutual TLS")

    def test_mutual_tls_refuses_a_client_without_certificate(self):
        server = python_server(*mtls_server_args())
        try:
            out = run([rust_bin("echo-client"), "--addr", server.addr, "--ca", cert("ca.pem")])
            self.assertNotEqual(out.returncode, 0, f"echo-client succeeded:\n{out.stdout}")
            self.assertIn("echo-client: ", out.stderr)
            self.assertNotIn("UnaryEcho ->", out.stdout)
        finally:
            server.stop()


class PythonHealthAndReflection(unittest.TestCase):
    """grpcio's health-checking and reflection clients against the Rust echo-server."""

    maxDiff = None

    def setUp(self):
        self.server = rust_server()
        self.channel = grpc.insecure_channel(self.server.addr)
        grpc.channel_ready_future(self.channel).result(timeout=STARTUP_SECONDS)

    def tearDown(self):
        self.channel.close()
        self.server.stop()

    def test_health(self):
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(self.channel)
        for service in ["", ECHO_SERVICE]:
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=CALL_SECONDS)
            self.assertEqual(response.status, health_pb2.HealthCheckResponse.SERVING, service)
        with self.assertRaises(grpc.RpcError) as unknown:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=CALL_SECONDS)
        self.assertEqual(unknown.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_reflection_describes_echo_and_a_reflected_call_works(self):
        from google.protobuf.descriptor_pool import DescriptorPool
        from google.protobuf.message_factory import GetMessageClass
        from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
            ProtoReflectionDescriptorDatabase,
        )

        database = ProtoReflectionDescriptorDatabase(self.channel)
        services = set(database.get_services())
        self.assertIn(ECHO_SERVICE, services)
        self.assertIn("grpc.health.v1.Health", services)
        pool = DescriptorPool(database)
        echo = pool.FindServiceByName(ECHO_SERVICE)
        self.assertEqual(echo.file.name, "echo.proto")
        methods = {
            m.name: (m.client_streaming, m.server_streaming, m.input_type.full_name)
            for m in echo.methods
        }
        request_type = "grpc.examples.echo.EchoRequest"
        self.assertEqual(
            methods,
            {
                "UnaryEcho": (False, False, request_type),
                "ServerStreamingEcho": (False, True, request_type),
                "ClientStreamingEcho": (True, False, request_type),
                "BidirectionalStreamingEcho": (True, True, request_type),
            },
        )
        # A call built from the reflected descriptors alone, without generated stubs.
        unary = echo.methods_by_name["UnaryEcho"]
        request_class = GetMessageClass(unary.input_type)
        response_class = GetMessageClass(unary.output_type)
        call = self.channel.unary_unary(
            f"/{ECHO_SERVICE}/UnaryEcho",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        response = call(request_class(message="found by reflection"), timeout=CALL_SECONDS)
        self.assertEqual(response.message, "found by reflection")


def make_certs():
    out = run([rust_bin("echo-certs"), "--out", CERTS])
    if out.returncode != 0:
        raise SystemExit(f"echo-certs failed:\n{out.stdout}{out.stderr}")


def main():
    global BIN_DIR, WORK_DIR, CERTS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True, help="where echo-server, echo-client and echo-certs are")
    parser.add_argument("--stubs", required=True, help="grpcio-tools' echo_pb2*.py")
    parser.add_argument("--work", required=True, help="a scratch directory (certificates)")
    args, rest = parser.parse_known_args()
    BIN_DIR, WORK_DIR = os.path.abspath(args.bin_dir), os.path.abspath(args.work)
    CERTS = os.path.join(WORK_DIR, "certs")
    sys.path.insert(0, os.path.abspath(args.stubs))
    # echo_server.py runs in its own process: it finds the stubs through PYTHONPATH.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [os.path.abspath(args.stubs), os.environ.get("PYTHONPATH")])
    )
    make_certs()
    result = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
