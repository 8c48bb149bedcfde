//! Running the example binaries from tests: a server process killed on drop whose
//! output is read line by line, and a client run with a time limit.

#![allow(dead_code)] // each test file uses part of it

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to print its address.
pub const STARTUP: Duration = Duration::from_secs(20);

/// A running server binary, killed on drop.
pub struct ServerProcess {
    child: Child,
    /// The address it printed.
    pub addr: String,
    lines: mpsc::Receiver<String>,
}

impl ServerProcess {
    /// Starts `bin` with `args`; its first line must be `<prefix><addr>[ ...]`.
    pub fn start(bin: &str, args: &[&str], prefix: &str) -> ServerProcess {
        let mut child = Command::new(bin)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child,
            addr: String::new(),
            lines,
        };
        let first = server
            .lines
            .recv_timeout(STARTUP)
            .expect("the server printed no address");
        server.addr = first
            .strip_prefix(prefix)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        server
    }

    /// Reads lines until one `matches` (or `limit` passes), returning all lines read.
    pub fn lines_until(
        &self,
        limit: Duration,
        mut matches: impl FnMut(&str) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = matches(&line);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no matching line within {limit:?}; read: {seen:#?}");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `bin` with `args` to completion, killing it after `limit`.
pub fn run(bin: &str, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{bin} {args:?} ran longer than {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// `bin --help` succeeds and mentions each of `words`.
pub fn assert_help(bin: &str, words: &[&str]) {
    let help = run(bin, &["--help"], Duration::from_secs(10));
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    for word in words {
        assert!(help.contains(word), "--help lacks {word:?}:\n{help}");
    }
}
