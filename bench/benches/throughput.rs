//! Throughput of rsfast, prost, buffa, rust-protobuf and upb (feature `upb`) on Google's
//! datasets and buffa's shapes, all in one run; and of rsfast's zero-copy mode ("rsfast
//! Bytes": decoding shares the payload's `Bytes`).
//!
//! For each workload, each operation is a criterion group `<operation>/<workload>` with one
//! function per library; an iteration processes every payload of the dataset once, and
//! the throughput is the bytes read (decode, merge: the payloads' total size) or written
//! (encode, encoded_len: the total size of their re-encoding). The payloads are held as
//! `bytes::Bytes` (`Dataset::payloads`); decode and merge go through
//! `Codec::decode_shared`/`merge_shared`, which read them as slices except in the zero-copy mode.
//!
//! `cargo bench -p rsfast-bench --bench throughput` (criterion's options after `--`, e.g.
//! `-- decode/` to run only the decode groups).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rsfast_bench::{
    check_roundtrip, for_each_workload, Codec, Visit, Workload, LIBRARIES, OPERATIONS,
};

fn bench_op<M: Codec, P: Codec>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    library: &str,
    op: &str,
    workload: &Workload,
    data: &rsfast_bench::Dataset,
) {
    if M::EXCLUDED.is_some() {
        return;
    }
    let payloads = &data.payloads;
    let messages: Vec<M> = check_roundtrip::<M, P>(library, workload, data);
    match op {
        "decode" => group.bench_function(library, |b| {
            b.iter(|| {
                for p in payloads {
                    black_box(M::decode_shared(black_box(p)));
                }
            })
        }),
        "merge_reuse" if M::NO_MERGE_REUSE.is_some() => return,
        "merge_reuse" => {
            let mut m = M::default();
            group.bench_function(library, |b| {
                b.iter(|| {
                    for p in payloads {
                        m.clear_all();
                        m.merge_shared(black_box(p));
                        black_box(&m);
                    }
                })
            })
        }
        "encode_to_vec" => group.bench_function(library, |b| {
            b.iter(|| {
                for m in &messages {
                    black_box(black_box(m).to_vec());
                }
            })
        }),
        "encode_reuse" => {
            let mut buf = Vec::new();
            group.bench_function(library, |b| {
                b.iter(|| {
                    for m in &messages {
                        buf.clear();
                        black_box(m).append_to(&mut buf);
                        black_box(&buf);
                    }
                })
            })
        }
        "encoded_len" => group.bench_function(library, |b| {
            b.iter(|| {
                for m in &messages {
                    black_box(black_box(m).size());
                }
            })
        }),
        _ => unreachable!("unknown operation {op}"),
    };
}

struct Throughputs<'a> {
    c: &'a mut Criterion,
}

impl Visit for Throughputs<'_> {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        let data = workload.load();
        // Decoding reads the payloads; encoding writes their re-encoding, which can be
        // smaller (proto3 drops explicitly encoded defaults). All libraries re-encode to
        // the same size (`check_roundtrip`).
        let reencoded: u64 = data
            .payloads
            .iter()
            .map(|p| P::decode_new(p).size() as u64)
            .sum();
        for (op, _) in OPERATIONS {
            let mut group = self.c.benchmark_group(format!("{op}/{}", workload.name));
            let bytes = match op {
                "decode" | "merge_reuse" => data.total_bytes(),
                _ => reencoded,
            };
            group.throughput(Throughput::Bytes(bytes));
            bench_op::<R, P>(&mut group, LIBRARIES[0], op, workload, &data);
            bench_op::<P, P>(&mut group, LIBRARIES[1], op, workload, &data);
            bench_op::<B, P>(&mut group, LIBRARIES[2], op, workload, &data);
            bench_op::<G, P>(&mut group, LIBRARIES[3], op, workload, &data);
            bench_op::<U, P>(&mut group, LIBRARIES[4], op, workload, &data);
            bench_op::<RB, P>(&mut group, LIBRARIES[5], op, workload, &data);
            group.finish();
        }
    }
}

fn throughput(c: &mut Criterion) {
    for_each_workload(&mut Throughputs { c });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(20)
        .nresamples(10_000);
    targets = throughput
}
criterion_main!(benches);
