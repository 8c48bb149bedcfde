//! Runs one operation of one library on one workload a fixed number of times, for a
//! profiler: instruction counts under callgrind do not depend on the machine's load,
//! so they can compare two versions of the code on a noisy machine.
//!
//! `cargo build --profile bench -p rsfast-bench --bin profile`, then
//! `valgrind --tool=callgrind target/release/profile TriMesh decode rsfast 20`
//! (workload, operation as in `OPERATIONS`, library as in `LIBRARIES`, iterations; an
//! iteration goes over every payload of the dataset, as in the throughput bench). rsfast's
//! zero-copy mode: library `"rsfast Bytes"` (quoted: one argument). `PROFILE_TIME=1`
//! prints the median and best time per iteration; `PROFILE_PAYLOADS=N` keeps only the
//! first N payloads (to tell a cache-bound loop from a compute-bound one).
#![deny(warnings)]

use std::hint::black_box;
use std::process::ExitCode;

use bytes::Bytes;
use rsfast_bench::{
    for_each_workload, Codec, Visit, Workload, LIBRARIES, OPERATIONS, RSFAST_BYTES, WORKLOADS,
};

struct Args {
    workload: String,
    op: String,
    library: String,
    iterations: usize,
}

struct Profile {
    args: Args,
    ran: bool,
}

fn run<M: Codec>(op: &str, payloads: &[Bytes], iterations: usize) {
    // `PROFILE_PAYLOADS=N`: only the first N payloads (a working set that stays in cache).
    let first = std::env::var("PROFILE_PAYLOADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(payloads.len());
    let payloads = &payloads[..first.min(payloads.len())];
    // Set-up (not the measured operation): the decoded messages for the encode side.
    let messages: Vec<M> = payloads.iter().map(|p| M::decode_shared(p)).collect();
    let mut reused = M::default();
    let mut buf = Vec::new();
    let timed = std::env::var_os("PROFILE_TIME").is_some();
    let mut times = Vec::new();
    for _ in 0..iterations {
        let start = std::time::Instant::now();
        match op {
            "decode" => {
                for p in payloads {
                    black_box(M::decode_shared(black_box(p)));
                }
            }
            "merge_reuse" => {
                for p in payloads {
                    reused.clear_all();
                    reused.merge_shared(black_box(p));
                    black_box(&reused);
                }
            }
            "encode_to_vec" => {
                for m in &messages {
                    black_box(black_box(m).to_vec());
                }
            }
            "encode_reuse" => {
                for m in &messages {
                    buf.clear();
                    black_box(m).append_to(&mut buf);
                    black_box(&buf);
                }
            }
            "encoded_len" => {
                for m in &messages {
                    black_box(black_box(m).size());
                }
            }
            _ => unreachable!("checked in main"),
        }
        times.push(start.elapsed());
    }
    if timed && !times.is_empty() {
        // With PROFILE_TIME set: the median and fastest iteration, for quick A/B runs.
        times.sort();
        eprintln!("median {:?} min {:?}", times[times.len() / 2], times[0]);
    }
}

impl Visit for Profile {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        if workload.name != self.args.workload {
            return;
        }
        let data = workload.load();
        let (op, n) = (self.args.op.as_str(), self.args.iterations);
        match self.args.library.as_str() {
            "rsfast" => run::<R>(op, &data.payloads, n),
            "prost" => run::<P>(op, &data.payloads, n),
            "buffa" => run::<B>(op, &data.payloads, n),
            RSFAST_BYTES => run::<RB>(op, &data.payloads, n),
            "rust-protobuf" if G::EXCLUDED.is_none() => run::<G>(op, &data.payloads, n),
            "upb"
                if U::EXCLUDED.is_none()
                    && (op != "merge_reuse" || U::NO_MERGE_REUSE.is_none()) =>
            {
                run::<U>(op, &data.payloads, n)
            }
            _ => return,
        }
        self.ran = true;
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        let names: Vec<_> = WORKLOADS.iter().map(|w| w.name).collect();
        let ops: Vec<_> = OPERATIONS.iter().map(|(op, _)| *op).collect();
        // Quoted where a name has a space ("rsfast Bytes"): one shell argument.
        let libraries: Vec<_> = LIBRARIES
            .iter()
            .map(|l| match l.contains(' ') {
                true => format!("{l:?}"),
                false => l.to_string(),
            })
            .collect();
        eprintln!(
            "usage: profile WORKLOAD OPERATION LIBRARY ITERATIONS\n  workloads: {}\n  operations: {}\n  libraries: {}",
            names.join(" "),
            ops.join(" "),
            libraries.join(" ")
        );
        ExitCode::FAILURE
    };
    let [workload, op, library, iterations] = argv.as_slice() else {
        return usage();
    };
    let Ok(iterations) = iterations.parse() else {
        return usage();
    };
    if !OPERATIONS.iter().any(|(o, _)| o == op) || !LIBRARIES.contains(&library.as_str()) {
        return usage();
    }
    let mut profile = Profile {
        args: Args {
            workload: workload.clone(),
            op: op.clone(),
            library: library.clone(),
            iterations,
        },
        ran: false,
    };
    for_each_workload(&mut profile);
    if !profile.ran {
        eprintln!("no such workload, or the library is left out of it (or of the operation)");
        return usage();
    }
    ExitCode::SUCCESS
}
