//! JSON throughput: rsfast's generated serde impls (the `json` option) against prost's
//! types with pbjson's, through the same serde_json, on GoogleMessage1 (proto3) and
//! three of buffa's shapes. rsfast encodes with its direct writer (`rsfast::json::to_vec`,
//! into a reused buffer), prost+pbjson with `serde_json::to_writer`; both decode with
//! `serde_json::from_slice`. Both sides read the same JSON text and their results are
//! checked equal before anything is timed.
//!
//! `cargo run --release -p rsfast-bench --bin json-bench [-- --write]`: prints a markdown
//! table; `--write` also puts it in BENCHMARKS.md between the JSON markers.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rsfast_bench::{prost_gen, rsfast_gen, Dataset};

/// Each measurement runs at least this long, and is repeated [`SAMPLES`] times (median).
const SAMPLE_TIME: Duration = Duration::from_millis(300);
const SAMPLES: usize = 7;
const BEGIN: &str = "<!-- json-bench: begin -->";
const END: &str = "<!-- json-bench: end -->";

/// Median time per pass over all payloads of `a` and of `b`, their samples interleaved
/// so that drift in machine load (2 shared cores) hits both alike.
fn measure_pair(mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration) {
    let iterations = |pass: &mut dyn FnMut()| {
        pass(); // warm up
        let start = Instant::now();
        let mut calibration = 0u32;
        while start.elapsed() < SAMPLE_TIME / 4 && calibration < 1_000_000 {
            pass();
            calibration += 1;
        }
        let per_pass = start.elapsed() / calibration.max(1);
        (SAMPLE_TIME.as_nanos() / per_pass.as_nanos().max(1)).clamp(1, 10_000_000) as u32
    };
    let (na, nb) = (iterations(&mut a), iterations(&mut b));
    let sample = |pass: &mut dyn FnMut(), n: u32| {
        let t = Instant::now();
        for _ in 0..n {
            pass();
        }
        t.elapsed() / n
    };
    let (mut sa, mut sb) = (Vec::new(), Vec::new());
    for _ in 0..SAMPLES {
        sa.push(sample(&mut a, na));
        sb.push(sample(&mut b, nb));
    }
    sa.sort();
    sb.sort();
    (sa[SAMPLES / 2], sb[SAMPLES / 2])
}

struct Row {
    workload: &'static str,
    json_bytes: usize,
    /// (rsfast, prost+pbjson) time per pass.
    encode: (Duration, Duration),
    decode: (Duration, Duration),
}

fn run<R, P>(workload: &'static str, file: &str, message: &str) -> Row
where
    R: rsfast::Message
        + PartialEq
        + serde::Serialize
        + rsfast::json::JsonWrite
        + serde::de::DeserializeOwned,
    P: prost::Message + Default + PartialEq + serde::Serialize + serde::de::DeserializeOwned,
{
    let data = Dataset::load(file, message);
    let ours: Vec<R> = data
        .payloads
        .iter()
        .map(|p| R::decode(p).unwrap())
        .collect();
    let theirs: Vec<P> = data
        .payloads
        .iter()
        .map(|p| P::decode(&p[..]).unwrap())
        .collect();
    let texts: Vec<Vec<u8>> = ours
        .iter()
        .map(|m| serde_json::to_vec(m).unwrap())
        .collect();
    // Same work on both sides: each reads the other's output back to the same message.
    for ((text, r), p) in texts.iter().zip(&ours).zip(&theirs) {
        let parsed: P = serde_json::from_slice(text).expect("pbjson reads rsfast's JSON");
        assert!(
            parsed == *p,
            "{workload}: pbjson reads rsfast's JSON differently"
        );
        let back: R = serde_json::from_slice(&serde_json::to_vec(p).unwrap())
            .expect("rsfast reads pbjson's JSON");
        assert!(
            back == *r,
            "{workload}: rsfast reads pbjson's JSON differently"
        );
    }
    let json_bytes = texts.iter().map(Vec::len).sum();
    if std::env::var_os("JSON_BENCH_SHOW").is_some() {
        let theirs_bytes: usize = theirs
            .iter()
            .map(|m| serde_json::to_vec(m).unwrap().len())
            .sum();
        eprintln!("{workload}: rsfast {json_bytes} bytes, pbjson {theirs_bytes} bytes");
        eprintln!(
            "rsfast: {}",
            String::from_utf8_lossy(&texts[0])
                .chars()
                .take(600)
                .collect::<String>()
        );
        eprintln!(
            "pbjson: {}",
            serde_json::to_string(&theirs[0])
                .unwrap()
                .chars()
                .take(600)
                .collect::<String>()
        );
    }
    let (mut buf_r, mut buf_p) = (
        Vec::with_capacity(json_bytes * 2),
        Vec::with_capacity(json_bytes * 2),
    );
    let encode = measure_pair(
        || {
            for m in &ours {
                buf_r.clear();
                black_box(m)
                    .write_json(&mut rsfast::json::JsonWriter::new(&mut buf_r))
                    .unwrap();
            }
            black_box(&buf_r);
        },
        || {
            for m in &theirs {
                buf_p.clear();
                serde_json::to_writer(&mut buf_p, black_box(m)).unwrap();
            }
            black_box(&buf_p);
        },
    );
    let decode = measure_pair(
        || {
            for t in &texts {
                black_box(serde_json::from_slice::<R>(black_box(t)).unwrap());
            }
        },
        || {
            for t in &texts {
                black_box(serde_json::from_slice::<P>(black_box(t)).unwrap());
            }
        },
    );
    Row {
        workload,
        json_bytes,
        encode,
        decode,
    }
}

fn mb_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

fn main() {
    let rows = [
        run::<
            rsfast_gen::benchmarks::proto3::GoogleMessage1,
            prost_gen::benchmarks::proto3::GoogleMessage1,
        >(
            "GoogleMessage1_proto3",
            "dataset.google_message1_proto3.pb",
            "benchmarks.proto3.GoogleMessage1",
        ),
        run::<rsfast_gen::bench::ApiResponse, prost_gen::bench::ApiResponse>(
            "ApiResponse",
            "shapes/api_response.pb",
            "bench.ApiResponse",
        ),
        run::<rsfast_gen::bench::LogRecord, prost_gen::bench::LogRecord>(
            "LogRecord",
            "shapes/log_record.pb",
            "bench.LogRecord",
        ),
        run::<rsfast_gen::bench::AnalyticsEvent, prost_gen::bench::AnalyticsEvent>(
            "AnalyticsEvent",
            "shapes/analytics_event.pb",
            "bench.AnalyticsEvent",
        ),
    ];
    let mut table = String::from(
        "| workload | JSON bytes | encode rsfast MB/s | encode prost+pbjson MB/s | ratio | decode rsfast MB/s | decode prost+pbjson MB/s | ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        let (er, ep) = (
            mb_s(r.json_bytes, r.encode.0),
            mb_s(r.json_bytes, r.encode.1),
        );
        let (dr, dp) = (
            mb_s(r.json_bytes, r.decode.0),
            mb_s(r.json_bytes, r.decode.1),
        );
        table.push_str(&format!(
            "| {} | {} | {er:.0} | {ep:.0} | {:.2}× | {dr:.0} | {dp:.0} | {:.2}× |\n",
            r.workload,
            r.json_bytes,
            er / ep,
            dr / dp
        ));
    }
    print!("{table}");
    if std::env::args().any(|a| a == "--write") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let section = format!(
            "{BEGIN}\n## JSON (rsfast `json` option vs prost + pbjson)\n\n\
             Encode: rsfast's direct writer (`rsfast::json::to_vec` into a reused buffer) vs \
             pbjson through `serde_json::to_writer`; decode: both `serde_json::from_slice` of \
             the same text (rsfast's canonical output, which pbjson reads back to the same \
             message). MB/s of JSON text, median of {SAMPLES} interleaved samples, 2 shared \
             cores. `cargo run --release -p rsfast-bench --bin json-bench -- --write`\n\n{table}{END}\n"
        );
        let new = match (old.find(BEGIN), old.find(END)) {
            (Some(b), Some(e)) => format!(
                "{}{section}{}",
                &old[..b],
                &old[e + END.len()..].trim_start_matches('\n')
            ),
            _ => format!("{}\n{section}", old.trim_end()),
        };
        std::fs::write(&path, new).expect("write BENCHMARKS.md");
    }
}
