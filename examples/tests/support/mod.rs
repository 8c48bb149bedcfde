//! Child processes for the integration tests: their stdout read line by line as it
//! comes, every wait bounded, and the process killed when its guard drops; a client run
//! with a time limit.

#![allow(dead_code)] // each test file uses part of it

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a process may take to start, or to print an expected line.
pub const WAIT: Duration = Duration::from_secs(30);

/// A running process, killed on drop.
pub struct Process {
    pub name: String,
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every line read so far, for failure messages.
    pub seen: Vec<String>,
}

impl Process {
    pub fn start<S: AsRef<OsStr>>(program: impl AsRef<Path>, args: &[S]) -> Process {
        let program = program.as_ref();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
        let (tx, lines) = mpsc::channel();
        // stdout and stderr both become lines; stderr's are marked.
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let out = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if out.send(line).is_err() {
                    break;
                }
            }
        });
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(format!("stderr: {line}")).is_err() {
                    break;
                }
            }
        });
        let name = program
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        Process {
            name,
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line, waiting at most `timeout`; `None` at the end of output or timeout.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(timeout).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Reads lines until one `matches` (returned), failing after [`WAIT`].
    pub fn wait_for(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(line) if matches(&line) => return line,
                Some(_) => {}
                None => panic!(
                    "{}: no line {what} within {WAIT:?}; output:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits (bounded) for the process to exit, then returns its status and every line
    /// of output it printed that was not read yet.
    pub fn finish(&mut self) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "{} still running after {WAIT:?}; output:\n{}",
                self.name,
                self.seen.join("\n")
            );
            thread::sleep(Duration::from_millis(10));
        };
        // The readers end with the pipes.
        let mut rest = Vec::new();
        while let Some(line) = self.next_line(Duration::from_secs(5)) {
            rest.push(line);
        }
        (status, rest)
    }

    /// Asks the process to shut down as Ctrl-C does (SIGINT), and waits for it to exit.
    pub fn interrupt(&mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT {}", self.child.id());
        self.finish().1
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free port on 127.0.0.1 (free when this returns: the caller binds it soon after).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().unwrap().port()
}

/// The address in a line like "... listening on 127.0.0.1:PORT ...".
pub fn listening_addr(line: &str) -> SocketAddr {
    line.split_once(" listening on ")
        .and_then(|(_, rest)| rest.split(' ').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
}

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
