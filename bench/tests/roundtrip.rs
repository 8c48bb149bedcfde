//! The checks the benches run before measuring, as a test: every library reads every
//! payload of every workload, re-encodes it to the size prost does, decodes its own
//! encoding back to the same message, and clear + merge gives what decode gives
//! (`check_roundtrip`); rsfast in both of its modes. With feature `upb`, upb too.

use rsfast_bench::{check_roundtrip, for_each_workload, Codec, Visit, Workload, LIBRARIES};

/// Counts the (library, workload) pairs checked.
struct Check(usize);

impl Check {
    fn one<M: Codec, P: Codec>(&mut self, library: &str, workload: &Workload) {
        if M::EXCLUDED.is_some() {
            return;
        }
        let data = workload.load();
        let decoded = check_roundtrip::<M, P>(library, workload, &data);
        assert_eq!(decoded.len(), data.payloads.len());
        self.0 += 1;
    }
}

impl Visit for Check {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        self.one::<R, P>(LIBRARIES[0], workload);
        self.one::<P, P>(LIBRARIES[1], workload);
        self.one::<B, P>(LIBRARIES[2], workload);
        self.one::<G, P>(LIBRARIES[3], workload);
        self.one::<U, P>(LIBRARIES[4], workload);
        self.one::<RB, P>(LIBRARIES[5], workload);
    }
}

#[test]
fn every_library_round_trips_every_payload() {
    let mut check = Check(0);
    for_each_workload(&mut check);
    // 11 workloads; rust-protobuf sits out GoogleMessage2; upb needs feature `upb`.
    let expected = 11 * 4 + 10 + if cfg!(feature = "upb") { 11 } else { 0 };
    assert_eq!(check.0, expected);
}

/// upb's depth chain (built through its setters) encodes byte for byte like prost's.
#[cfg(feature = "upb")]
#[test]
fn upb_depth_chain_encodes_like_prost() {
    use rsfast_bench::chains;
    for depth in rsfast_bench::DEPTHS {
        let upb = chains::upb(depth);
        let prost = chains::prost(depth);
        assert_eq!(upb.to_vec(), prost.to_vec(), "depth {depth}");
        assert_eq!(upb.size(), prost.size(), "depth {depth}");
    }
}
