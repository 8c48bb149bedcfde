//! The throughput ratios again, measured so that the machine's drift cannot pick a
//! winner: for each workload and operation, every library runs one short sample in turn,
//! round after round, and each ratio is the median over the rounds of (peer's time /
//! rsfast's time) within the same round. Criterion (bench-summary) measures one library
//! after the other for seconds each; on a shared 2-core machine the load changes between
//! them, and identical code has come out 1.5× apart there.
//!
//! `cargo run --release -p rsfast-bench --features upb --bin interleaved [-- --write]`:
//! prints markdown tables; `--write` also puts them in BENCHMARKS.md between the
//! `interleaved` markers (bench-summary carries that section over). `-- --only
//! TriMesh,depth` measures only those workloads (`depth`: the nesting chain).
#![deny(warnings)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rsfast_bench::{
    chains, for_each_workload, Codec, Visit, Workload, DEPTHS, LIBRARIES, OPERATIONS,
};

/// Each sample runs about this long.
const SAMPLE_TIME: Duration = Duration::from_millis(20);
/// Rounds per workload and operation (each library one sample per round).
const ROUNDS: usize = 15;
const BEGIN: &str = "<!-- interleaved: begin -->";
const END: &str = "<!-- interleaved: end -->";

/// The ratio columns: (numerator library, denominator library), by `LIBRARIES` index.
const PAIRS: [(usize, usize); 7] = [(0, 1), (0, 2), (0, 3), (0, 4), (5, 1), (5, 2), (5, 4)];

type Pass = Box<dyn FnMut()>;

/// One pass of `op` over every payload, as the throughput bench runs it; `None` where the
/// library sits out.
fn pass<M: Codec + 'static>(op: &'static str, payloads: &[Bytes]) -> Option<Pass> {
    if M::EXCLUDED.is_some() || (op == "merge_reuse" && M::NO_MERGE_REUSE.is_some()) {
        return None;
    }
    let payloads = payloads.to_vec();
    let messages: Vec<M> = payloads.iter().map(|p| M::decode_shared(p)).collect();
    let mut reused = M::default();
    let mut buf = Vec::new();
    Some(Box::new(move || match op {
        "decode" => {
            for p in &payloads {
                black_box(M::decode_shared(black_box(p)));
            }
        }
        "merge_reuse" => {
            for p in &payloads {
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
        _ => unreachable!("OPERATIONS"),
    }))
}

/// One `op` on one message (the depth chain); `op` is `encode_to_vec` or `encoded_len`.
fn depth_pass<M: Codec>(op: &'static str, message: M) -> Option<Pass> {
    Some(Box::new(move || match op {
        "encode_to_vec" => {
            black_box(black_box(&message).to_vec());
        }
        "encoded_len" => {
            black_box(black_box(&message).size());
        }
        _ => unreachable!("depth operations"),
    }))
}

/// Ratios per depth, for one operation.
type DepthTable = (&'static str, Vec<(usize, [Option<f64>; PAIRS.len()])>);

/// The depth chain's ratios, per operation.
fn depth_tables() -> Vec<DepthTable> {
    ["encode_to_vec", "encoded_len"]
        .into_iter()
        .map(|op| {
            let rows = DEPTHS
                .iter()
                .map(|&depth| {
                    #[cfg(feature = "upb")]
                    let upb = depth_pass(op, chains::upb(depth));
                    #[cfg(not(feature = "upb"))]
                    let upb = None;
                    // In `LIBRARIES` order; rsfast Bytes has no chain of its own (the
                    // chain has no `bytes` field: its code is rsfast's).
                    let passes = vec![
                        depth_pass(op, chains::rsfast(depth)),
                        depth_pass(op, chains::prost(depth)),
                        depth_pass(op, chains::buffa(depth)),
                        depth_pass(op, chains::protobuf(depth)),
                        upb,
                        None,
                    ];
                    eprintln!("interleaved: depth {op}/{depth}");
                    (depth, measure(passes))
                })
                .collect();
            (op, rows)
        })
        .collect()
}

/// Passes per sample so that one sample takes about [`SAMPLE_TIME`].
fn calibrate(pass: &mut Pass) -> u32 {
    pass(); // warm up
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < SAMPLE_TIME / 4 && n < 1_000_000 {
        pass();
        n += 1;
    }
    let per_pass = start.elapsed() / n.max(1);
    (SAMPLE_TIME.as_nanos() / per_pass.as_nanos().max(1)).clamp(1, 10_000_000) as u32
}

/// Median ratio per pair for one workload and operation.
fn measure(mut passes: Vec<Option<Pass>>) -> [Option<f64>; PAIRS.len()] {
    let counts: Vec<u32> = passes
        .iter_mut()
        .map(|p| p.as_mut().map_or(0, calibrate))
        .collect();
    let mut per_round: Vec<Vec<Option<f64>>> = Vec::new();
    for _ in 0..ROUNDS {
        let times: Vec<Option<f64>> = passes
            .iter_mut()
            .zip(&counts)
            .map(|(p, &n)| {
                p.as_mut().map(|p| {
                    let t = Instant::now();
                    for _ in 0..n {
                        p();
                    }
                    t.elapsed().as_secs_f64() / f64::from(n)
                })
            })
            .collect();
        per_round.push(times);
    }
    PAIRS.map(|(a, b)| {
        let mut ratios: Vec<f64> = per_round
            .iter()
            .filter_map(|t| Some(t[b]? / t[a]?))
            .collect();
        if ratios.is_empty() {
            return None;
        }
        ratios.sort_by(f64::total_cmp);
        Some(ratios[ratios.len() / 2])
    })
}

/// Rows per operation: (workload, ratios).
type Table = Vec<(&'static str, [Option<f64>; PAIRS.len()])>;

struct Interleaved {
    tables: Vec<Table>,
    /// `--only A,B`: the workloads (or `depth`) to measure; all when empty.
    only: Vec<String>,
}

impl Interleaved {
    fn wants(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == name)
    }
}

impl Visit for Interleaved {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        if !self.wants(workload.name) {
            return;
        }
        let data = workload.load();
        for (i, (op, _)) in OPERATIONS.iter().enumerate() {
            // In `LIBRARIES` order.
            let passes = vec![
                pass::<R>(op, &data.payloads),
                pass::<P>(op, &data.payloads),
                pass::<B>(op, &data.payloads),
                pass::<G>(op, &data.payloads),
                pass::<U>(op, &data.payloads),
                pass::<RB>(op, &data.payloads),
            ];
            self.tables[i].push((workload.name, measure(passes)));
            eprintln!("interleaved: {op}/{}", workload.name);
        }
    }
}

fn cell(r: Option<f64>) -> String {
    r.map_or("–".to_string(), |r| format!("{r:.2}×"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--write");
    let only: Vec<String> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    assert!(
        !write || only.is_empty(),
        "--write needs every workload: drop --only"
    );
    let mut run = Interleaved {
        tables: vec![Vec::new(); OPERATIONS.len()],
        only,
    };
    for_each_workload(&mut run);
    let depth = if run.wants("depth") {
        depth_tables()
    } else {
        Vec::new()
    };

    let mut md = String::new();
    let header: Vec<String> = PAIRS
        .iter()
        .map(|&(a, b)| format!("{}/{}", LIBRARIES[a], LIBRARIES[b]))
        .collect();
    for ((op, what), rows) in OPERATIONS.iter().zip(&run.tables) {
        let _ = writeln!(md, "### {op}: {what}\n");
        let _ = writeln!(md, "| workload | {} |", header.join(" | "));
        let _ = writeln!(md, "|---|{}", "---:|".repeat(PAIRS.len()));
        for (workload, ratios) in rows {
            let cells: Vec<String> = ratios.iter().map(|&r| cell(r)).collect();
            let _ = writeln!(md, "| {workload} | {} |", cells.join(" | "));
        }
        let _ = writeln!(md);
    }
    // The depth chain: the rsfast Bytes columns would repeat rsfast's code.
    let depth_pairs = PAIRS.iter().take_while(|&&(a, _)| a == 0).count();
    for (op, rows) in &depth {
        let _ = writeln!(
            md,
            "### depth chain, {op}: one `depth.Node` chain per sample\n"
        );
        let _ = writeln!(md, "| depth | {} |", header[..depth_pairs].join(" | "));
        let _ = writeln!(md, "|---:|{}", "---:|".repeat(depth_pairs));
        for (depth, ratios) in rows {
            let cells: Vec<String> = ratios[..depth_pairs].iter().map(|&r| cell(r)).collect();
            let _ = writeln!(md, "| {depth} | {} |", cells.join(" | "));
        }
        let _ = writeln!(md);
    }
    print!("{md}");
    if write {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let upb = if cfg!(feature = "upb") {
            " --features upb"
        } else {
            ""
        };
        let section = format!(
            "{BEGIN}\n## Interleaved ratios (drift-resistant cross-check)\n\n\
             The same operations, payloads and libraries as above, measured by \
             `cargo run --release -p rsfast-bench{upb} --bin interleaved -- --write`: each \
             library runs one ~{} ms sample in turn, {ROUNDS} rounds, and each ratio is the \
             median over the rounds of the peer's time over rsfast's in the same round, so a \
             change in the machine's load between libraries cannot pick a winner (the \
             criterion tables above measure one library after the other, seconds apart). \
             Above 1× rsfast is faster.\n\n{md}{END}\n",
            SAMPLE_TIME.as_millis()
        );
        let new = match (old.find(BEGIN), old.find(END)) {
            (Some(b), Some(e)) if b < e => format!(
                "{}{section}{}",
                &old[..b],
                old[e + END.len()..].trim_start_matches('\n')
            ),
            _ => format!("{}\n\n{section}", old.trim_end()),
        };
        std::fs::write(&path, new).expect("write BENCHMARKS.md");
    }
}
