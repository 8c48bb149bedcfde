//! Encoding cost against nesting depth: a chain of `depth.Node` messages (each holding
//! the next as `child`), depth 1 to 100, encoded by every library.
//!
//! Throughput is the encoded size, so a flat MiB/s (constant time per byte) across
//! depths means encoding is linear in the depth; a falling one means each level costs
//! more than the one below (for example a size pass repeated at every level).
//! Encode-only: rsfast's decoder stops at 100 levels of nesting.
//!
//! `cargo bench -p rsfast-bench --bench depth`

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use rsfast_bench::{chains, Codec, DEPTHS, LIBRARIES};

fn bench_lib<M: Codec>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    op: &str,
    library: &str,
    depth: usize,
    message: &M,
) {
    let id = BenchmarkId::new(library, depth);
    match op {
        "encode_to_vec" => group.bench_with_input(id, message, |b, m| {
            b.iter(|| black_box(black_box(m).to_vec()))
        }),
        "encoded_len" => group.bench_with_input(id, message, |b, m| {
            b.iter(|| black_box(black_box(m).size()))
        }),
        _ => unreachable!("unknown operation {op}"),
    };
}

fn depth(c: &mut Criterion) {
    for op in ["encode_to_vec", "encoded_len"] {
        let mut group = c.benchmark_group(format!("depth/{op}"));
        for depth in DEPTHS {
            let rsfast = chains::rsfast(depth);
            let prost = chains::prost(depth);
            let buffa = chains::buffa(depth);
            let protobuf = chains::protobuf(depth);
            let bytes = rsfast.to_vec();
            assert_eq!(
                prost.to_vec(),
                bytes,
                "prost encodes depth {depth} differently"
            );
            assert_eq!(
                buffa.to_vec(),
                bytes,
                "buffa encodes depth {depth} differently"
            );
            assert_eq!(
                protobuf.to_vec(),
                bytes,
                "rust-protobuf encodes depth {depth} differently"
            );
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            bench_lib(&mut group, op, LIBRARIES[0], depth, &rsfast);
            bench_lib(&mut group, op, LIBRARIES[1], depth, &prost);
            bench_lib(&mut group, op, LIBRARIES[2], depth, &buffa);
            bench_lib(&mut group, op, LIBRARIES[3], depth, &protobuf);
            #[cfg(feature = "upb")]
            {
                let upb = chains::upb(depth);
                assert_eq!(upb.to_vec(), bytes, "upb encodes depth {depth} differently");
                bench_lib(&mut group, op, LIBRARIES[4], depth, &upb);
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .sample_size(20)
        .nresamples(10_000);
    targets = depth
}
criterion_main!(benches);
