//! `echo-server`, `echo-client` and `echo-certs` over real sockets on 127.0.0.1: all four
//! RPC kinds in plaintext, over TLS and over mutual TLS, and a mutual-TLS server
//! refusing clients without a certificate its CA signed.
//!
//! Every server listens on a free port (`--addr 127.0.0.1:0`; the bound address is its
//! first line of output) and is killed when its guard drops; every wait is bounded.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to print its address and accept connections.
const STARTUP: Duration = Duration::from_secs(20);
/// How long one run of a client (or of echo-certs) may take.
const RUN: Duration = Duration::from_secs(30);
/// How long the server may take to log a call the client saw answered.
const LOG: Duration = Duration::from_secs(10);

/// A running echo-server, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Its stdout, line by line.
    log: mpsc::Receiver<String>,
}

impl Server {
    fn start<S: AsRef<OsStr>>(args: &[S]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_echo-server"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn echo-server");
        let stdout = child.stdout.take().unwrap();
        let (tx, log) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // From here on the guard kills the server whatever happens.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        let first = server
            .log
            .recv_timeout(STARTUP)
            .expect("echo-server printed no address");
        server.addr = first
            .strip_prefix("echo-server listening on ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        let deadline = Instant::now() + STARTUP;
        while TcpStream::connect_timeout(&server.addr, Duration::from_secs(1)).is_err() {
            assert!(Instant::now() < deadline, "{} never accepted", server.addr);
            thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// Waits (bounded) for a log line that `matches`, returning the lines read so far.
    fn wait_for_log(&self, matches: impl Fn(&str) -> bool) -> Vec<String> {
        let deadline = Instant::now() + LOG;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    let done = matches(&line);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!("the server never logged the expected line; it logged {seen:#?}"),
            }
        }
    }

    /// The lines logged so far (without waiting).
    fn logged(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a finished run of a binary printed.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs a binary to completion, killing it (and failing) past `RUN`.
fn run<S: AsRef<OsStr>>(binary: &str, args: &[S]) -> Run {
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {binary}: {e}"));
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + RUN;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{binary} {:?} ran longer than {RUN:?}", args_text(args));
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        success: status.success(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn args_text<S: AsRef<OsStr>>(args: &[S]) -> Vec<String> {
    args.iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect()
}

fn client<S: AsRef<OsStr>>(args: &[S]) -> Run {
    run(env!("CARGO_BIN_EXE_echo-client"), args)
}

/// A fresh set of certificates from echo-certs, in a directory of its own.
fn make_certs(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("echo-certs-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let out = run(
        env!("CARGO_BIN_EXE_echo-certs"),
        &[OsStr::new("--out"), dir.as_os_str()],
    );
    assert!(out.success, "echo-certs failed: {}", out.stderr);
    for file in [
        "ca.pem",
        "server.pem",
        "server.key",
        "client.pem",
        "client.key",
    ] {
        assert!(
            out.stdout.contains(&dir.join(file).display().to_string()),
            "{}",
            out.stdout
        );
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.starts_with("-----BEGIN "), "{file}: {text}");
    }
    dir
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).display().to_string()
}

/// Exactly what echo-client prints when all four calls echo `message`.
fn expected_transcript(message: &str) -> Vec<String> {
    let streamed: Vec<String> = (1..=5).map(|i| format!("{message} {i}")).collect();
    let mut lines = vec![format!("UnaryEcho -> {message:?}")];
    lines.extend((1..=10).map(|i| format!("ServerStreamingEcho -> {message:?} ({i})")));
    lines.push(format!(
        "ClientStreamingEcho {streamed:?} -> {:?}",
        streamed.join(", ")
    ));
    lines.extend(
        streamed
            .iter()
            .map(|m| format!("BidirectionalStreamingEcho {m:?} -> {m:?}")),
    );
    lines
}

/// Runs echo-client with `args` plus `--message`, and checks every answer, in order, and
/// that the server saw every call.
fn assert_echoes_all_four(server: &Server, args: &[String], message: &str) {
    let mut args = args.to_vec();
    args.extend(["--message".to_owned(), message.to_owned()]);
    let out = client(&args);
    assert!(
        out.success,
        "echo-client {args:?} failed:\n{}{}",
        out.stdout, out.stderr
    );
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        expected_transcript(message),
        "echo-client {args:?}"
    );
    let last = format!("BidirectionalStreamingEcho \"{message} 5\"");
    let log = server.wait_for_log(|line| line.ends_with(&last));
    for call in [
        "UnaryEcho",
        "ServerStreamingEcho",
        "ClientStreamingEcho",
        "BidirectionalStreamingEcho",
    ] {
        let prefix = "[127.0.0.1:";
        assert!(
            log.iter()
                .any(|l| l.starts_with(prefix) && l.contains(&format!("] {call} "))),
            "{call} not logged with the peer address: {log:#?}"
        );
    }
}

#[test]
fn plaintext_all_four_rpc_kinds() {
    let server = Server::start::<&str>(&[]);
    assert_echoes_all_four(&server, &["--addr".into(), server.addr()], "hello");
    // Several clients in a row on one server; a message that needs UTF-8.
    assert_echoes_all_four(&server, &["--addr".into(), server.addr()], "grüße, 世界");
}

#[test]
fn tls_all_four_rpc_kinds() {
    let certs = make_certs("tls");
    let server = Server::start(&[
        "--tls-cert",
        &path(&certs, "server.pem"),
        "--tls-key",
        &path(&certs, "server.key"),
    ]);
    let tls = |extra: &[&str]| {
        let mut args = vec![
            "--addr".to_owned(),
            server.addr(),
            "--ca".to_owned(),
            path(&certs, "ca.pem"),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    // The certificate is valid for 127.0.0.1 (the host of --addr), localhost and mysite.
    assert_echoes_all_four(&server, &tls(&[]), "over tls");
    assert_echoes_all_four(
        &server,
        &tls(&["--server-name", "localhost"]),
        "as localhost",
    );
    assert_echoes_all_four(&server, &tls(&["--server-name", "mysite"]), "as mysite");

    // ... and for no other name.
    let out = client(&tls(&["--server-name", "example.com"]));
    assert!(!out.success && out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("not valid for name \"example.com\""),
        "{}",
        out.stderr
    );
    // A plaintext client gets nothing from a TLS server.
    let out = client(&["--addr".to_owned(), server.addr()]);
    assert!(!out.success && out.stdout.is_empty(), "{}", out.stdout);
}

fn mtls_server(certs: &Path) -> Server {
    Server::start(&[
        "--tls-cert",
        &path(certs, "server.pem"),
        "--tls-key",
        &path(certs, "server.key"),
        "--client-ca",
        &path(certs, "ca.pem"),
    ])
}

#[test]
fn mutual_tls_all_four_rpc_kinds() {
    let certs = make_certs("mtls");
    let server = mtls_server(&certs);
    let args = [
        "--addr".to_owned(),
        server.addr(),
        "--ca".to_owned(),
        path(&certs, "ca.pem"),
        "--cert".to_owned(),
        path(&certs, "client.pem"),
        "--key".to_owned(),
        path(&certs, "client.key"),
    ];
    assert_echoes_all_four(&server, &args, "mutual");
}

#[test]
fn mutual_tls_rejects_clients_without_a_trusted_certificate() {
    let certs = make_certs("mtls-reject");
    let other = make_certs("mtls-reject-other-ca");
    let server = mtls_server(&certs);
    let base = [
        "--addr".to_owned(),
        server.addr(),
        "--ca".to_owned(),
        path(&certs, "ca.pem"),
    ];

    // No client certificate.
    let out = client(&base);
    assert!(
        !out.success,
        "accepted without a certificate: {}",
        out.stdout
    );
    assert!(!out.stdout.contains("UnaryEcho"), "{}", out.stdout);
    assert!(out.stderr.starts_with("echo-client: "), "{}", out.stderr);

    // A client certificate that another CA signed.
    let mut foreign = base.to_vec();
    foreign.extend([
        "--cert".to_owned(),
        path(&other, "client.pem"),
        "--key".to_owned(),
        path(&other, "client.key"),
    ]);
    let out = client(&foreign);
    assert!(
        !out.success,
        "accepted a foreign certificate: {}",
        out.stdout
    );
    assert!(!out.stdout.contains("UnaryEcho"), "{}", out.stdout);

    // The server answered no call, and still serves clients with a good certificate.
    let mut good = base.to_vec();
    good.extend([
        "--cert".to_owned(),
        path(&certs, "client.pem"),
        "--key".to_owned(),
        path(&certs, "client.key"),
    ]);
    let out = client(&good);
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    let log = server.wait_for_log(|line| line.ends_with("BidirectionalStreamingEcho \"hello 5\""));
    let unary_calls = log.iter().filter(|l| l.contains("] UnaryEcho ")).count();
    assert_eq!(unary_calls, 1, "{log:#?}");
    assert!(server.logged().is_empty());
}

#[test]
fn every_binary_documents_its_flags() {
    for (binary, flags) in [
        (
            env!("CARGO_BIN_EXE_echo-server"),
            &["--addr", "--tls-cert", "--tls-key", "--client-ca"][..],
        ),
        (
            env!("CARGO_BIN_EXE_echo-client"),
            &[
                "--addr",
                "--ca",
                "--cert",
                "--key",
                "--server-name",
                "--message",
            ][..],
        ),
        (env!("CARGO_BIN_EXE_echo-certs"), &["--out"][..]),
    ] {
        let out = run(binary, &["--help"]);
        assert!(out.success, "{binary} --help: {}", out.stderr);
        for flag in flags {
            assert!(
                out.stdout.contains(flag),
                "{binary} --help lacks {flag}:\n{}",
                out.stdout
            );
        }
    }
}
