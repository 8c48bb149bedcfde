//! Runs the benchmarks and writes `BENCHMARKS.md` at the workspace root.
//!
//! ```sh
//! cargo run --release -p rsfast-bench --features upb --bin bench-summary
//! ```
//!
//! 1. `cargo bench -p rsfast-bench` (both benches; arguments after `--` go to criterion,
//!    e.g. `-- --measurement-time 3`),
//! 2. `cargo run --release -p rsfast-bench --bin alloc-count -- --markdown`,
//!
//! both with `--features upb` when this binary was built with it (the upb peer needs
//! protoc 36.2: `scripts/upb-protoc.sh`; without the feature its columns stay empty),
//! 3. reads the median of every benchmark of this run from
//!    `target/criterion/**/new/{benchmark,estimates}.json`, and writes the report: one
//!    MiB/s table per operation with rsfast's ratio to each peer, the allocation counts,
//!    the depth tables, the machine, the crate versions, the date and the command.
//!
//! `--skip-bench` reuses the results already in `target/criterion` (whatever their age)
//! instead of running the benchmarks. `--out FILE` writes the report there instead. A
//! quick check of the whole path (a few seconds of benchmarks, one workload, the real
//! report left alone): see [`USAGE`].
#![deny(warnings)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use rsfast_bench::{
    Codec, Visit, Workload, DEPTHS, LIBRARIES, OPERATIONS, RSFAST_BYTES, WORKLOADS,
};

/// One criterion result: the bytes per iteration and the median time per iteration.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    bytes: u64,
    median_ns: f64,
    /// When criterion wrote it.
    written: SystemTime,
}

impl Estimate {
    fn mib_per_s(&self) -> f64 {
        self.bytes as f64 / (self.median_ns * 1e-9) / (1024.0 * 1024.0)
    }
}

/// (group, function, value) → estimate.
type Results = BTreeMap<(String, String, String), Estimate>;

/// `--help`.
const USAGE: &str = "\
usage: bench-summary [--skip-bench] [--out FILE] [-- CRITERION-ARGS...]

Runs `cargo bench -p rsfast-bench [-- CRITERION-ARGS]` and alloc-count, and writes the report
to BENCHMARKS.md at the workspace root (or FILE).

  --skip-bench   render from the results already in target/criterion (any age)
  --out FILE     write the report to FILE instead of BENCHMARKS.md
  -h, --help     this text

Quick check of the report (one workload, short measurements; the other rows show `–`):
  cargo run --release -p rsfast-bench --features upb --bin bench-summary -- --out /tmp/BENCHMARKS.md \\
    -- --warm-up-time 0.1 --measurement-time 0.2 /MediaFrame/
";

/// The peers rsfast's zero-copy mode ([`RSFAST_BYTES`]) is compared with.
const BYTES_PEERS: [&str; 3] = ["prost", "buffa", "upb"];

/// `bench/NOTES.md`, copied into the report after the measurements.
const NOTES: &str = include_str!("../../NOTES.md");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (own, forwarded) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (&args[..], &[][..]),
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf();
    let mut skip_bench = false;
    let mut out = root.join("BENCHMARKS.md");
    let mut own_args = own.iter();
    while let Some(arg) = own_args.next() {
        match arg.as_str() {
            "--skip-bench" => skip_bench = true,
            "--out" => match own_args.next() {
                Some(file) => out = PathBuf::from(file),
                None => {
                    eprintln!("bench-summary: --out needs a file\n\n{USAGE}");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                print!("{USAGE}");
                return;
            }
            bad => {
                eprintln!("bench-summary: unknown argument {bad:?}\n\n{USAGE}");
                std::process::exit(2);
            }
        }
    }

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let started = SystemTime::now();
    let mut bench_command = vec!["cargo", "bench", "-p", "rsfast-bench"];
    // The upb peer's build needs protoc 36.2: measured when this binary has it too.
    let features: &[&str] = if cfg!(feature = "upb") {
        &["--features", "upb"]
    } else {
        &[]
    };
    bench_command.extend(features);
    if !forwarded.is_empty() {
        bench_command.push("--");
        bench_command.extend(forwarded.iter().map(String::as_str));
    }
    if !skip_bench {
        eprintln!("bench-summary: running {}", bench_command.join(" "));
        let status = Command::new(&cargo)
            .args(&bench_command[1..])
            .current_dir(&root)
            .status()
            .expect("run cargo bench");
        assert!(status.success(), "cargo bench failed: {status}");
    }

    eprintln!("bench-summary: counting allocations");
    let alloc = Command::new(&cargo)
        .args(["run", "--release", "-q", "-p", "rsfast-bench"])
        .args(features)
        .args(["--bin", "alloc-count", "--", "--markdown"])
        .current_dir(&root)
        .output()
        .expect("run alloc-count");
    assert!(
        alloc.status.success(),
        "alloc-count failed: {}",
        String::from_utf8_lossy(&alloc.stderr)
    );
    let alloc_table = String::from_utf8(alloc.stdout).expect("alloc-count prints UTF-8");

    let results = read_results(&target.join("criterion"), (!skip_bench).then_some(started));
    assert!(
        !results.is_empty(),
        "no criterion results under {}",
        target.join("criterion").display()
    );

    let mut invocation = vec![summary_command()];
    if !args.is_empty() {
        invocation.push("--".to_string());
        invocation.extend(args.iter().cloned());
    }
    let report = render(
        &results,
        &alloc_table,
        &root,
        &invocation.join(" "),
        &bench_command.join(" "),
        skip_bench,
    );
    // The interleaved ratios and the JSON section are other binaries': carry them over.
    let previous = std::fs::read_to_string(&out).unwrap_or_default();
    let mut report = report;
    for name in ["interleaved", "json-bench"] {
        let (begin, end) = (
            format!("<!-- {name}: begin -->"),
            format!("<!-- {name}: end -->"),
        );
        if let (Some(b), Some(e)) = (previous.find(&begin), previous.find(&end)) {
            if b < e {
                report = format!("{}\n\n{}\n", report.trim_end(), &previous[b..e + end.len()]);
            }
        }
    }
    std::fs::write(&out, report).expect("write BENCHMARKS.md");
    eprintln!("bench-summary: wrote {}", out.display());
}

/// Reads every `new/benchmark.json` + `new/estimates.json` under `dir` (only those
/// written after `since`, when given).
fn read_results(dir: &Path, since: Option<SystemTime>) -> Results {
    let mut results = Results::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_none_or(|n| n != "benchmark.json")
                || path
                    .parent()
                    .and_then(Path::file_name)
                    .is_none_or(|n| n != "new")
            {
                continue;
            }
            let estimates = path.with_file_name("estimates.json");
            let Ok(written) = std::fs::metadata(&estimates).and_then(|m| m.modified()) else {
                continue;
            };
            if since.is_some_and(|since| written < since) {
                continue;
            }
            let (Ok(b), Ok(e)) = (
                std::fs::read_to_string(&path),
                std::fs::read_to_string(&estimates),
            ) else {
                continue;
            };
            let b: serde_json::Value = serde_json::from_str(&b).expect("benchmark.json");
            let e: serde_json::Value = serde_json::from_str(&e).expect("estimates.json");
            let Some(bytes) = b["throughput"]["Bytes"].as_u64() else {
                continue;
            };
            let Some(median_ns) = e["median"]["point_estimate"].as_f64() else {
                continue;
            };
            let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
            results.insert(
                (s("group_id"), s("function_id"), s("value_str")),
                Estimate {
                    bytes,
                    median_ns,
                    written,
                },
            );
        }
    }
    results
}

fn get<'a>(results: &'a Results, group: &str, lib: &str, value: &str) -> Option<&'a Estimate> {
    results.get(&(group.to_string(), lib.to_string(), value.to_string()))
}

fn geomean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

fn mib(x: Option<f64>) -> String {
    match x {
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
        None => "–".into(),
    }
}

fn ratio(x: Option<f64>) -> String {
    match x {
        Some(x) => format!("{x:.2}×"),
        None => "–".into(),
    }
}

/// Why a library has no result for a workload, if it was left out on purpose.
struct Exclusions(Vec<(&'static str, &'static str, &'static str)>);

impl Visit for Exclusions {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        // In `LIBRARIES` order.
        let excluded = [
            R::EXCLUDED,
            P::EXCLUDED,
            B::EXCLUDED,
            G::EXCLUDED,
            U::EXCLUDED,
            RB::EXCLUDED,
        ];
        for (lib, why) in excluded.into_iter().enumerate() {
            if let Some(why) = why {
                self.0.push((workload.name, LIBRARIES[lib], why));
            }
        }
    }
}

fn render(
    results: &Results,
    alloc_table: &str,
    root: &Path,
    invocation: &str,
    bench_command: &str,
    skip_bench: bool,
) -> String {
    // rsfast's peers; the ratio columns: rsfast (default mode) over each peer, then the
    // zero-copy mode over prost and buffa.
    let peers: Vec<&str> = LIBRARIES
        .into_iter()
        .filter(|l| *l != "rsfast" && *l != RSFAST_BYTES)
        .collect();
    let pairs: Vec<(&str, &str)> = peers
        .iter()
        .map(|p| ("rsfast", *p))
        .chain(BYTES_PEERS.map(|p| (RSFAST_BYTES, p)))
        .collect();
    // The depth benchmark has no zero-copy column (its message has no `bytes` field).
    let depth_libraries: Vec<&str> = LIBRARIES
        .into_iter()
        .filter(|l| *l != RSFAST_BYTES)
        .collect();
    let mut exclusions = Exclusions(Vec::new());
    rsfast_bench::for_each_workload(&mut exclusions);

    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "rsfast against prost, buffa, rust-protobuf and upb, all in one run of `{bench_command}` \
         (crate `bench/`). Throughputs are MiB/s of encoded protobuf (criterion medians; higher \
         is better); ratios are rsfast's throughput over the peer's (above 1× rsfast is faster). \
         This machine is small and noisy: read the ratios, not the absolute numbers, and \
         differences under ~10% as noise.\n"
    );
    let _ = writeln!(
        w,
        "**\"rsfast\" is rsfast's default mode** (owned `Vec<u8>` bytes fields, decoding from \
         a slice: what every headline \"rsfast/…\" ratio measures). **\"{RSFAST_BYTES}\" is a \
         separate mode** (generator options `bytes=bytes,string=bytes`): the input is kept as a \
         `bytes::Bytes` and decoded with `Message::decode_bytes`/`merge_bytes`, so that \
         `bytes` and `string` fields share its memory instead of copying it; its columns and its \
         \"{RSFAST_BYTES}/…\" ratios come after the others.\n"
    );
    let first = results
        .values()
        .map(|e| e.written)
        .min()
        .unwrap_or_else(SystemTime::now);
    let last = results
        .values()
        .map(|e| e.written)
        .max()
        .unwrap_or_else(SystemTime::now);
    if skip_bench {
        let _ = writeln!(
            w,
            "- Produced by: `{}` (which runs `{bench_command}`), the report re-rendered from \
             its criterion results by `{invocation}`",
            summary_command()
        );
    } else {
        let _ = writeln!(w, "- Produced by: `{invocation}`");
    }
    let _ = writeln!(
        w,
        "- Date: benchmarks measured {} to {}",
        utc(first),
        utc(last)
    );
    let _ = writeln!(w, "- Machine: {}", machine());
    let _ = writeln!(w, "- Toolchain: {}", command_line("rustc", &["--version"]));
    let _ = writeln!(w, "- Crates (Cargo.lock): {}", versions(root));
    let _ = writeln!(
        w,
        "- Settings: each library with its defaults (rsfast and buffa keep unknown fields, \
         prost drops them, rust-protobuf and upb keep them; buffa measured through its owned \
         types, not its zero-copy views; upb through its owned messages, one arena each; \
         {RSFAST_BYTES}: rsfast's defaults plus `bytes=bytes,string=bytes`). Every library is \
         handed each payload as a `bytes::Bytes` and all but {RSFAST_BYTES} read it as a \
         `&[u8]`. Criterion: 20 samples, 0.5 s warm-up, 1.5 s measurement \
         per benchmark (depth: 0.3 s / 1 s) unless overridden after `--`.\n"
    );

    let _ = writeln!(w, "## Workloads\n");
    let _ = writeln!(
        w,
        "Each iteration processes every payload of the dataset once (`bench/data`, a \
         `benchmarks.BenchmarkDataset` per file: Google's benchmark datasets and buffa's \
         shapes). Decode throughput counts the payloads' bytes, encode throughput the bytes \
         written (the same for every library; smaller than the payloads for \
         GoogleMessage1_proto3, whose payload spells out proto3 defaults).\n"
    );
    let _ = writeln!(
        w,
        "| workload | message | file | bytes per iteration: decode | bytes per iteration: encode |"
    );
    let _ = writeln!(w, "|---|---|---|---:|---:|");
    for wl in WORKLOADS {
        let bytes = |op: &str| {
            LIBRARIES
                .iter()
                .find_map(|l| get(results, &format!("{op}/{}", wl.name), l, ""))
                .map_or("–".to_string(), |e| e.bytes.to_string())
        };
        let _ = writeln!(
            w,
            "| {} | `{}` | `{}` | {} | {} |",
            wl.name,
            wl.message_name,
            wl.file,
            bytes("decode"),
            bytes("encode_to_vec")
        );
    }
    let _ = writeln!(w);

    // Headline.
    let _ = writeln!(
        w,
        "## Headline: rsfast's throughput ratio, geometric mean over the workloads\n"
    );
    // rsfast/prost's range goes after rsfast's ratios, before the zero-copy mode's.
    let mut header: Vec<String> = pairs.iter().map(|(r, p)| format!("{r}/{p}")).collect();
    header.insert(peers.len(), "rsfast/prost min–max".into());
    let _ = writeln!(w, "| operation | {} |", header.join(" | "));
    let _ = writeln!(w, "|---|{}", "---:|".repeat(header.len()));
    for (op, what) in OPERATIONS {
        let mut cells = Vec::new();
        let mut prost_ratios = Vec::new();
        for (r, p) in &pairs {
            let ratios: Vec<f64> = WORKLOADS
                .iter()
                .filter_map(|wl| {
                    let g = format!("{op}/{}", wl.name);
                    let r = get(results, &g, r, "")?;
                    let q = get(results, &g, p, "")?;
                    Some(r.mib_per_s() / q.mib_per_s())
                })
                .collect();
            if (*r, *p) == ("rsfast", "prost") {
                prost_ratios = ratios.clone();
            }
            cells.push(ratio(geomean(&ratios)));
        }
        let min = prost_ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = prost_ratios
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let range = match prost_ratios.is_empty() {
            true => "–".to_string(),
            false => format!("{min:.2}×–{max:.2}×"),
        };
        cells.insert(peers.len(), range);
        let _ = writeln!(w, "| {op} ({what}) | {} |", cells.join(" | "));
    }
    let _ = writeln!(w);

    // One table per operation.
    for (op, what) in OPERATIONS {
        let _ = writeln!(w, "## {op}: {what}\n");
        let _ = writeln!(w, "Throughput (MiB/s) of each library, then the ratios.\n");
        let _ = write!(w, "| workload |");
        for l in LIBRARIES {
            let _ = write!(w, " {l} |");
        }
        for (r, p) in &pairs {
            let _ = write!(w, " {r}/{p} |");
        }
        let _ = writeln!(w);
        let _ = writeln!(w, "|---|{}", "---:|".repeat(LIBRARIES.len() + pairs.len()));
        let mut all: Vec<Vec<f64>> = vec![Vec::new(); pairs.len()];
        for wl in WORKLOADS {
            let g = format!("{op}/{}", wl.name);
            let _ = write!(w, "| {} |", wl.name);
            for l in LIBRARIES {
                let _ = write!(
                    w,
                    " {} |",
                    mib(get(results, &g, l, "").map(Estimate::mib_per_s))
                );
            }
            for (i, (r, p)) in pairs.iter().enumerate() {
                let x = get(results, &g, r, "")
                    .zip(get(results, &g, p, ""))
                    .map(|(r, q)| r.mib_per_s() / q.mib_per_s());
                if let Some(x) = x {
                    all[i].push(x);
                }
                let _ = write!(w, " {} |", ratio(x));
            }
            let _ = writeln!(w);
        }
        let _ = write!(w, "| **geometric mean** |{}", " |".repeat(LIBRARIES.len()));
        for ratios in &all {
            let _ = write!(w, " **{}** |", ratio(geomean(ratios)));
        }
        let _ = writeln!(w, "\n");
    }

    let _ = writeln!(w, "## Allocations per message\n");
    let _ = writeln!(
        w,
        "From `cargo run --release -p rsfast-bench --bin alloc-count -- --markdown` (a counting \
         global allocator; deterministic, not timed). `merge_reuse` is the steady state of \
         clear + merge into one message across the dataset.\n"
    );
    let _ = writeln!(w, "{}", alloc_table.trim_end());
    let _ = writeln!(w);

    let _ = writeln!(w, "## Nesting depth (encode)\n");
    let _ = writeln!(
        w,
        "A chain of `depth.Node {{ Node child = 1; int64 value = 2; string name = 3; }}` \
         (`bench/proto/depth.proto`), depth = number of nodes; every library's encoding is \
         byte-identical. Time per encoded byte (median ns / bytes; lower is better): flat \
         across depths means linear encoding. Encode-only (rsfast's decoder stops at 100 \
         levels).\n"
    );
    for op in ["encode_to_vec", "encoded_len"] {
        let g = format!("depth/{op}");
        let _ = writeln!(w, "### {op}\n");
        let _ = write!(w, "| depth | bytes |");
        for l in &depth_libraries {
            let _ = write!(w, " {l} ns/B |");
        }
        for p in &peers {
            let _ = write!(w, " rsfast/{p} |");
        }
        let _ = writeln!(w);
        let _ = writeln!(
            w,
            "|---:|---:|{}",
            "---:|".repeat(depth_libraries.len() + peers.len())
        );
        for d in DEPTHS {
            let v = d.to_string();
            let bytes =
                get(results, &g, "rsfast", &v).map_or("–".into(), |e| e.bytes.to_string());
            let _ = write!(w, "| {d} | {bytes} |");
            for l in &depth_libraries {
                let x = get(results, &g, l, &v).map(|e| e.median_ns / e.bytes as f64);
                let _ = write!(w, " {} |", x.map_or("–".into(), |x| format!("{x:.3}")));
            }
            let r = get(results, &g, "rsfast", &v);
            for p in &peers {
                let x = r
                    .zip(get(results, &g, p, &v))
                    .map(|(r, q)| r.mib_per_s() / q.mib_per_s());
                let _ = write!(w, " {} |", ratio(x));
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w);
    }

    // The hand-written analysis: what the profiles say, and where rsfast is not ahead.
    let _ = writeln!(w, "{}", NOTES.trim_end());
    let _ = writeln!(w);

    let _ = writeln!(w, "## Peers\n");
    let _ = writeln!(
        w,
        "All five libraries generate their code at build time from the same `.proto` files \
         (`bench/build.rs`), all but upb without protoc: rsfast through \
         `protoc_gen_rsfast::Config` (protox; a second time with `bytes=bytes,string=bytes` \
         for {RSFAST_BYTES}), prost through `prost_build::Config::compile_fds` \
         over protox's descriptors, buffa through `buffa_build::Config::descriptor_set` over \
         the same descriptors, rust-protobuf (crate `protobuf` 3) through \
         `protobuf_codegen::Codegen::pure()`. upb is Google's upb-based Rust `protobuf` crate \
         4.x (feature `upb` of rsfast-bench; its runtime wraps upb's C kernel, built with \
         `cc`): its code comes from protoc's own `--rust_out` (`kernel=upb`, through \
         `protobuf_codegen::CodeGen` 4.x), which needs protoc of the crate's exact version \
         (36.2 for 4.36.2, from the npm package `protoc@36.2.0`: `scripts/upb-protoc.sh`). \
         Before measuring, every library's output is checked on every payload: \
         `encoded_len` matches the encoding, decode(encode(m)) = m, clear + merge = decode \
         (upb: equality through `protobuf::message_eq`), decoding from a slice = decoding \
         from the payload's `Bytes`, and prost reads the re-encoding as it reads the \
         payload.\n"
    );
    let _ = writeln!(
        w,
        "upb's `encode_reuse` copies the `Vec` its `serialize` returns (its public API \
         encodes to a new `Vec` only), and its `merge_reuse` is not measured: {}.\n",
        rsfast_bench::UPB_NO_MERGE
    );
    if exclusions.0.is_empty() {
        let _ = writeln!(w, "No library is left out of any workload.");
    }
    for (wl, lib, why) in &exclusions.0 {
        let _ = writeln!(w, "- {lib} is left out of {wl}: {why}.");
    }
    let _ = writeln!(w);
    md
}

/// The command that runs this binary, with its features.
fn summary_command() -> String {
    let features = if cfg!(feature = "upb") {
        "--features upb "
    } else {
        ""
    };
    format!("cargo run --release -p rsfast-bench {features}--bin bench-summary")
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map_or("unknown CPU".to_string(), |(_, m)| m.trim().to_string());
    let processors = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let available = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {processors} logical CPUs in /proc/cpuinfo ({available} available to this process), Linux {}",
        kernel.trim()
    )
}

/// The locked versions of the compared crates and the tools around them.
fn versions(root: &Path) -> String {
    const CRATES: &[&str] = &[
        "rsfast",
        "protoc-gen-rsfast",
        "prost",
        "prost-build",
        "buffa",
        "buffa-build",
        "protobuf",
        "protobuf-codegen",
        "google-protobuf",
        "protox",
        "bytes",
        "criterion",
    ];
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut name: Option<&str> = None;
    for line in lock.lines() {
        if line == "[[package]]" {
            name = None;
        } else if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"'));
        } else if let Some(v) = line.strip_prefix("version = ") {
            if let Some(n) = name.filter(|n| CRATES.contains(n)) {
                found.push((n.to_string(), v.trim_matches('"').to_string()));
            }
        }
    }
    found.sort_by_key(|(n, _)| CRATES.iter().position(|c| c == n));
    found
        .iter()
        .map(|(n, v)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `time` in UTC, `YYYY-MM-DD HH:MM UTC`.
fn utc(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}
