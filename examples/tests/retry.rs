//! `echo-retry` over real sockets on 127.0.0.1: a server that fails its first calls, and
//! a client whose retries come from a gRPC service config.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{free_port, listening_addr, Process};

const BIN: &str = env!("CARGO_BIN_EXE_echo-retry");

/// Writes a service config to a file of its own.
fn write_config(name: &str, json: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "rsfast-echo-retry-{}-{name}.json",
        std::process::id()
    ));
    std::fs::write(&path, json).expect("write service config");
    path
}

/// A retry policy for the Echo service.
fn policy(max_attempts: u32, initial_backoff: &str, codes: &str) -> String {
    format!(
        r#"{{"methodConfig": [{{
            "name": [{{"service": "grpc.examples.echo.Echo"}}],
            "retryPolicy": {{
                "maxAttempts": {max_attempts},
                "initialBackoff": "{initial_backoff}",
                "maxBackoff": "1s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": [{codes}]
            }}
        }}]}}"#
    )
}

/// Starts `echo-retry serve` failing its first `fail_first` calls with `code`.
fn serve(fail_first: usize, code: &str) -> (Process, String) {
    serve_with(fail_first, code, &[])
}

fn serve_with(fail_first: usize, code: &str, extra: &[&str]) -> (Process, String) {
    let fail_first = fail_first.to_string();
    let mut args = vec![
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--fail-first",
        &fail_first,
        "--code",
        code,
    ];
    args.extend_from_slice(extra);
    let mut server = Process::start(BIN, &args);
    let line = server.wait_for("with the address", |l| l.contains("listening on"));
    (server, listening_addr(&line).to_string())
}

/// Runs `echo-retry call` to the end: (success, output lines).
fn call(addr: &str, config: &Path, extra: &[&str]) -> (bool, Vec<String>) {
    let mut args = vec!["call", "--addr", addr, "--service-config"];
    args.push(config.to_str().unwrap());
    args.extend_from_slice(extra);
    let mut client = Process::start(BIN, &args);
    let (status, lines) = client.finish();
    (status.success(), lines)
}

/// The server's log lines for calls ("call N: ..."), once the client is done (the server
/// prints each before answering, so they are all in the pipe).
fn server_calls(server: &mut Process) -> Vec<String> {
    let mut calls = Vec::new();
    while let Some(line) = server.next_line(Duration::from_millis(500)) {
        if line.starts_with("call ") {
            calls.push(line);
        }
    }
    calls
}

#[test]
fn retries_unavailable_with_backoff_until_the_server_answers() {
    let (mut server, addr) = serve(2, "UNAVAILABLE");
    let config = write_config("backoff", &policy(4, "0.2s", r#""UNAVAILABLE""#));
    let started = Instant::now();
    let (ok, out) = call(&addr, &config, &[]);
    let elapsed = started.elapsed();
    assert!(ok, "{out:?}");
    assert!(
        out.contains(&r#"UnaryEcho -> "hello" (attempts: 3)"#.to_owned()),
        "{out:?}"
    );
    // Two retries: after 0.2s then 0.4s, each with ±20% jitter.
    assert!(elapsed >= Duration::from_millis(480), "{elapsed:?}");
    let calls = server_calls(&mut server);
    assert_eq!(
        calls,
        [
            "call 1: UnaryEcho (previous attempts: 0): failing with UNAVAILABLE",
            "call 2: UnaryEcho (previous attempts: 1): failing with UNAVAILABLE",
            "call 3: UnaryEcho (previous attempts: 2): answering",
        ]
    );
    let _ = std::fs::remove_file(config);
}

#[test]
fn gives_up_after_max_attempts_capped_at_five() {
    let (mut server, addr) = serve(100, "UNAVAILABLE");
    let config = write_config("cap", &policy(3, "0.01s", "14"));
    let (ok, out) = call(&addr, &config, &[]);
    assert!(!ok, "{out:?}");
    assert!(
        out.iter()
            .any(|l| l.contains("unavailable") && l.contains("call 3 fails")),
        "{out:?}"
    );
    assert_eq!(server_calls(&mut server).len(), 3);

    // grpc-go's example spells the keys in Go style; maxAttempts 9 means 5.
    let go_style = write_config(
        "go-style",
        r#"{"methodConfig": [{
            "name": [{"service": "grpc.examples.echo.Echo", "method": "UnaryEcho"}],
            "retryPolicy": {"MaxAttempts": 9, "InitialBackoff": ".01s",
                "MaxBackoff": ".01s", "BackoffMultiplier": 1.0,
                "RetryableStatusCodes": ["UNAVAILABLE"]}
        }]}"#,
    );
    let (ok, out) = call(&addr, &go_style, &[]);
    assert!(!ok, "{out:?}");
    assert_eq!(server_calls(&mut server).len(), 5);
    let _ = std::fs::remove_file(config);
    let _ = std::fs::remove_file(go_style);
}

#[test]
fn does_not_retry_a_code_that_is_not_retryable() {
    let (mut server, addr) = serve(1, "INTERNAL");
    let config = write_config("internal", &policy(5, "0.01s", r#""UNAVAILABLE""#));
    let (ok, out) = call(&addr, &config, &[]);
    assert!(!ok, "{out:?}");
    assert!(
        out.iter()
            .any(|l| l.contains("Internal") && l.contains("call 1 fails")),
        "{out:?}"
    );
    assert_eq!(
        server_calls(&mut server),
        ["call 1: UnaryEcho (previous attempts: 0): failing with INTERNAL"]
    );
    // The next call succeeds at once: the server only failed the first.
    let (ok, out) = call(&addr, &config, &[]);
    assert!(ok, "{out:?}");
    assert!(out.iter().any(|l| l.ends_with("(attempts: 1)")), "{out:?}");
    let _ = std::fs::remove_file(config);
}

#[test]
fn replays_client_and_bidirectional_streams_on_retry() {
    let (mut server, addr) = serve(2, "UNAVAILABLE");
    let config = write_config("stream", &policy(3, "0.01s", r#""UNAVAILABLE""#));
    let (ok, out) = call(
        &addr,
        &config,
        &["--rpc", "client-streaming", "--message", "m"],
    );
    assert!(ok, "{out:?}");
    assert_eq!(
        out,
        [r#"ClientStreamingEcho -> "m 1, m 2, m 3, m 4, m 5" (attempts: 3)"#]
    );
    let calls = server_calls(&mut server);
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls[2].ends_with("(previous attempts: 2): answering"),
        "{calls:?}"
    );

    let (mut server, addr) = serve(1, "UNAVAILABLE");
    let (ok, out) = call(&addr, &config, &["--rpc", "bidi", "--message", "m"]);
    assert!(ok, "{out:?}");
    let expected: Vec<String> = (1..=5)
        .map(|i| format!(r#"BidirectionalStreamingEcho -> "m {i}" (attempts: 2)"#))
        .collect();
    assert_eq!(out, expected);
    assert_eq!(server_calls(&mut server).len(), 2);
    let _ = std::fs::remove_file(config);
}

#[test]
fn retries_a_server_stream_only_before_its_first_response() {
    let config = write_config("server-stream", &policy(3, "0.01s", r#""UNAVAILABLE""#));
    // Failing before answering: retried.
    let (mut server, addr) = serve(1, "UNAVAILABLE");
    let (ok, out) = call(&addr, &config, &["--rpc", "server-streaming"]);
    assert!(ok, "{out:?}");
    assert_eq!(out.len(), 10, "{out:?}");
    assert!(out
        .iter()
        .all(|l| l == r#"ServerStreamingEcho -> "hello" (attempts: 2)"#));
    assert_eq!(server_calls(&mut server).len(), 2);

    // Failing after a response arrived: committed, the failure is the caller's.
    let (mut server, addr) = serve_with(1, "UNAVAILABLE", &["--after-first-response"]);
    let (ok, out) = call(&addr, &config, &["--rpc", "server-streaming"]);
    assert!(!ok, "{out:?}");
    // stdout and stderr are read by two threads: their lines interleave in any order.
    let (errors, responses): (Vec<&String>, Vec<&String>) =
        out.iter().partition(|l| l.starts_with("stderr: "));
    assert_eq!(
        responses,
        [r#"ServerStreamingEcho -> "hello" (attempts: 1)"#],
        "{out:?}"
    );
    assert!(
        errors.iter().any(|l| l.contains("call 1 fails on purpose")),
        "{out:?}"
    );
    assert_eq!(
        server_calls(&mut server),
        ["call 1: ServerStreamingEcho (previous attempts: 0): failing with UNAVAILABLE after one response"]
    );
    let _ = std::fs::remove_file(config);
}

#[test]
fn wait_for_ready_waits_for_the_server_to_come_up() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // Without waitForReady (and no retry policy) the call fails at once.
    let fail_fast = write_config("fail-fast", r#"{"methodConfig": [{"name": [{}]}]}"#);
    let (ok, out) = call(&addr, &fail_fast, &[]);
    assert!(!ok, "{out:?}");
    assert!(out.iter().any(|l| l.contains("connect")), "{out:?}");

    // With it, the call waits for a server that starts later.
    let wait = write_config(
        "wait",
        r#"{"methodConfig": [{"name": [{}], "waitForReady": true, "timeout": "20s"}]}"#,
    );
    let mut args = vec!["call", "--addr", &addr, "--service-config"];
    args.push(wait.to_str().unwrap());
    let mut client = Process::start(BIN, &args);
    std::thread::sleep(Duration::from_millis(500));
    let mut server = Process::start(BIN, &["serve", "--addr", &addr, "--fail-first", "0"]);
    server.wait_for("with the address", |l| l.contains("listening on"));
    let (status, out) = client.finish();
    assert!(status.success(), "{out:?}");
    assert!(
        out.contains(&r#"UnaryEcho -> "hello" (attempts: 1)"#.to_owned()),
        "{out:?}"
    );
    let _ = std::fs::remove_file(fail_fast);
    let _ = std::fs::remove_file(wait);
}

#[test]
fn help_describes_both_commands() {
    let mut help = Process::start(BIN, &["--help"]);
    let (status, out) = help.finish();
    assert!(status.success());
    let text = out.join("\n");
    assert!(text.contains("serve") && text.contains("call"), "{text}");
    let mut help = Process::start(BIN, &["call", "--help"]);
    let (status, out) = help.finish();
    assert!(status.success());
    assert!(out.join("\n").contains("--service-config"));
}
