//! `echo-balance` over real sockets on 127.0.0.1: round robin over a static list of
//! named backends (even spread, a stopped backend skipped), and over backends resolved
//! live from an etcd key prefix (etcd started here, on loopback, in a temporary dir).

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rsfast_examples::etcd::Etcd;
use support::{free_port, listening_addr, Process, WAIT};

const BIN: &str = env!("CARGO_BIN_EXE_echo-balance");

/// Starts a named backend; with `etcd`, it registers itself under `prefix`.
fn backend(name: &str, etcd: Option<(&str, &str)>) -> (Process, String) {
    backend_with(name, etcd, &[])
}

fn backend_with(name: &str, etcd: Option<(&str, &str)>, extra: &[&str]) -> (Process, String) {
    let mut args = vec!["serve", "--name", name, "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    if let Some((etcd, prefix)) = etcd {
        args.extend(["--etcd", etcd, "--prefix", prefix]);
    }
    let mut server = Process::start(BIN, &args);
    let line = server.wait_for("with the address", |l| l.contains("listening on"));
    if etcd.is_some() {
        server.wait_for("registering it", |l| l.starts_with("registered "));
    }
    (server, listening_addr(&line).to_string())
}

/// The backend that answered, from a client line "call N: [name] hello".
fn answered_by(line: &str) -> Option<&str> {
    let answer = line.strip_prefix("call ")?.split_once(": ")?.1;
    answer
        .strip_prefix('[')?
        .split_once(']')
        .map(|(name, _)| name)
}

fn count<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    counts
}

#[test]
fn round_robin_spreads_calls_evenly_and_skips_a_stopped_backend() {
    let (_alpha, a) = backend("alpha", None);
    let (mut beta, b) = backend("beta", None);
    let (_gamma, c) = backend("gamma", None);
    let list = format!("{a},{b},{c}");

    // Sequential calls go to each backend in turn: exactly 10 each.
    let mut client = Process::start(BIN, &["call", "--backends", &list, "--calls", "30"]);
    let (status, out) = client.finish();
    assert!(status.success(), "{out:?}");
    let order: Vec<&str> = out.iter().filter_map(|l| answered_by(l)).collect();
    assert_eq!(order.len(), 30, "{out:?}");
    for (i, name) in order.iter().enumerate() {
        assert_eq!(
            *name,
            ["alpha", "beta", "gamma"][i % 3],
            "call {}: {out:?}",
            i + 1
        );
    }
    assert!(out.contains(&"calls per backend: alpha: 10, beta: 10, gamma: 10".to_owned()));

    // A running client loses beta (shut down between calls): every call still succeeds,
    // on alpha and gamma in turn.
    let mut client = Process::start(
        BIN,
        &[
            "call",
            "--backends",
            &list,
            "--calls",
            "100",
            "--interval-ms",
            "20",
        ],
    );
    client.wait_for("with a call to beta", |l| answered_by(l) == Some("beta"));
    beta.interrupt();
    let (status, rest) = client.finish();
    assert!(status.success(), "{rest:?}");
    assert!(!rest.iter().any(|l| l.contains("error")), "{rest:?}");
    let after: Vec<&str> = rest.iter().filter_map(|l| answered_by(l)).collect();
    assert!(after.len() >= 40, "{rest:?}");
    // Beta shut down around call 2 of 100: the last 40 calls came well after.
    let last = &after[after.len() - 40..];
    assert_eq!(
        count(last.iter().copied()),
        BTreeMap::from([("alpha", 20), ("gamma", 20)])
    );
    assert!(
        last.windows(2).all(|w| w[0] != w[1]),
        "not in turn: {last:?}"
    );
}

#[test]
fn retries_through_the_balancer_go_to_the_next_backend() {
    let (_alpha, a) = backend_with("alpha", None, &["--fail-first", "2"]);
    let (_beta, b) = backend("beta", None);
    let list = format!("{a},{b}");
    let config = std::env::temp_dir().join(format!(
        "rsfast-echo-balance-{}-retry.json",
        std::process::id()
    ));
    std::fs::write(
        &config,
        r#"{"methodConfig": [{"name": [{"service": "grpc.examples.echo.Echo"}],
            "retryPolicy": {"maxAttempts": 2, "initialBackoff": "0.01s",
                "maxBackoff": "0.01s", "backoffMultiplier": 1,
                "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
    )
    .unwrap();
    let mut client = Process::start(
        BIN,
        &[
            "call",
            "--backends",
            &list,
            "--calls",
            "4",
            "--service-config",
            config.to_str().unwrap(),
        ],
    );
    let (status, out) = client.finish();
    let _ = std::fs::remove_file(&config);
    assert!(status.success(), "{out:?}");
    // Calls 1 and 2 fail on alpha and are retried on beta, the next in turn; alpha
    // answers from its third call on.
    let order: Vec<&str> = out.iter().filter_map(|l| answered_by(l)).collect();
    assert_eq!(order, ["beta", "beta", "alpha", "beta"], "{out:?}");
}

/// Finds the etcd server binary, or fails saying how to install it.
fn etcd_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("etcd"))
            .find(|candidate| candidate.is_file())
    });
    on_path
        .or_else(|| Some(PathBuf::from("/usr/bin/etcd")).filter(|p| p.is_file()))
        .expect(
            "the etcd server binary is not installed (not on PATH nor /usr/bin/etcd): \
             install Debian's etcd-server package (apt-get install -y etcd-server), as .ci/run does",
        )
}

/// An etcd server on loopback ports with a temporary data dir, stopped and removed on
/// drop.
struct EtcdServer {
    process: Process,
    data_dir: PathBuf,
    client_addr: String,
}

impl EtcdServer {
    fn start() -> EtcdServer {
        let data_dir = std::env::temp_dir().join(format!("rsfast-etcd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        let (client, peer, metrics) = (free_port(), free_port(), free_port());
        let client_url = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let process = Process::start(
            etcd_binary(),
            &[
                "--name".to_owned(),
                "rsfast-test".to_owned(),
                "--data-dir".to_owned(),
                data_dir.display().to_string(),
                "--listen-client-urls".to_owned(),
                client_url.clone(),
                "--advertise-client-urls".to_owned(),
                client_url,
                "--listen-peer-urls".to_owned(),
                peer_url.clone(),
                "--initial-advertise-peer-urls".to_owned(),
                peer_url.clone(),
                "--initial-cluster".to_owned(),
                format!("rsfast-test={peer_url}"),
                "--listen-metrics-urls".to_owned(),
                format!("http://127.0.0.1:{metrics}"),
                "--logger".to_owned(),
                "zap".to_owned(),
            ],
        );
        EtcdServer {
            process,
            data_dir,
            client_addr: format!("127.0.0.1:{client}"),
        }
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.process.kill();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Connects to etcd once it serves requests (bounded).
async fn connect_when_ready(addr: &str) -> Etcd {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(mut etcd) = Etcd::connect(addr).await {
            if etcd.get_prefix("/").await.is_ok() {
                return etcd;
            }
        }
        assert!(
            Instant::now() < deadline,
            "etcd at {addr} never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads client lines until a backend list with exactly `names`' addresses, then skips
/// the calls that may have been picked before the update; returns the next `n` callees.
fn calls_after_update(client: &mut Process, addrs: &[&str], n: usize) -> Vec<String> {
    let mut wanted: Vec<String> = addrs.iter().map(|a| format!("{a:?}")).collect();
    wanted.sort();
    client.wait_for(&format!("with backends {wanted:?}"), |l| {
        let Some(list) = l.strip_prefix("backends: [") else {
            return false;
        };
        let mut got: Vec<String> = list
            .trim_end_matches(']')
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        got.sort();
        got == wanted
    });
    let mut callees = Vec::new();
    let mut skipped = 0;
    while callees.len() < n {
        let line = client.wait_for("with a call", |l| l.starts_with("call "));
        assert!(
            !line.contains("error"),
            "{line}\n{}",
            client.seen.join("\n")
        );
        if skipped < 2 {
            skipped += 1;
            continue;
        }
        callees.push(answered_by(&line).expect("a named answer").to_owned());
    }
    callees
}

#[test]
fn etcd_resolver_follows_additions_and_removals_live() {
    let etcd_server = EtcdServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut etcd = runtime.block_on(connect_when_ready(&etcd_server.client_addr));
    let prefix = "/services/echo/";
    let registry = Some((etcd_server.client_addr.as_str(), prefix));

    let (_alpha, a) = backend("alpha", registry);
    let (_beta, b) = backend("beta", registry);
    // Bounded: 1000 calls 10 ms apart at most.
    let mut client = Process::start(
        BIN,
        &[
            "call",
            "--etcd",
            &etcd_server.client_addr,
            "--prefix",
            prefix,
            "--calls",
            "1000",
            "--interval-ms",
            "10",
        ],
    );
    let callees = calls_after_update(&mut client, &[&a, &b], 10);
    assert_eq!(
        count(callees.iter().map(String::as_str)),
        BTreeMap::from([("alpha", 5), ("beta", 5)])
    );

    // A backend that registers is called from then on, in turn with the others.
    let (_gamma, c) = backend("gamma", registry);
    let callees = calls_after_update(&mut client, &[&a, &b, &c], 30);
    assert_eq!(
        count(callees.iter().map(String::as_str)),
        BTreeMap::from([("alpha", 10), ("beta", 10), ("gamma", 10)])
    );

    // A backend removed from etcd gets no more calls, although it still runs.
    let deleted = runtime
        .block_on(etcd.delete(&format!("{prefix}alpha")))
        .unwrap();
    assert_eq!(deleted, 1);
    let callees = calls_after_update(&mut client, &[&b, &c], 20);
    assert_eq!(
        count(callees.iter().map(String::as_str)),
        BTreeMap::from([("beta", 10), ("gamma", 10)])
    );
    client.kill();
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
    let text = out.join("\n");
    assert!(
        text.contains("--etcd") && text.contains("--backends"),
        "{text}"
    );
}
