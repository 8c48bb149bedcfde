//! Counts heap allocations per message for each workload and library, with a counting
//! global allocator, and checks first that every library round-trips every payload.
//!
//! `cargo run --release -p rsfast-bench --bin alloc-count [-- --markdown]`
//!
//! Columns: `decode` (fresh owned message), `merge_reuse` (into a cleared message that
//! already held the previous payload of the dataset: steady state), `encode_to_vec`.
//! Each is the average over the dataset's payloads. Libraries as in `LIBRARIES`, with
//! rsfast's zero-copy mode ("rsfast Bytes") last.
#![deny(warnings)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use rsfast_bench::{
    check_roundtrip, for_each_workload, Codec, Visit, Workload, LIBRARIES, RSFAST_BYTES,
};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the counter is
// only a side effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// upb's arenas get their blocks from C's `malloc` through `upb_alloc_global`, not from
/// Rust's global allocator: [`upb_alloc::install`] counts them too, by putting a counting
/// function in front of upb's.
#[cfg(feature = "upb")]
mod upb_alloc {
    use std::ffi::c_void;
    use std::sync::atomic::Ordering;
    use std::sync::OnceLock;

    /// upb's `upb_alloc_func`: (allocator, ptr, old size, new size, actual size out);
    /// frees when the new size is 0.
    type AllocFunc =
        unsafe extern "C" fn(*mut UpbAlloc, *mut c_void, usize, usize, *mut usize) -> *mut c_void;

    /// upb's `struct upb_alloc`.
    #[repr(C)]
    struct UpbAlloc {
        func: AllocFunc,
    }

    extern "C" {
        /// The allocator every `upb_Arena_New` uses (`upb/mem/alloc.h`).
        static mut upb_alloc_global: UpbAlloc;
    }

    static UPB_FUNC: OnceLock<AllocFunc> = OnceLock::new();

    unsafe extern "C" fn counting(
        alloc: *mut UpbAlloc,
        ptr: *mut c_void,
        old_size: usize,
        size: usize,
        actual_size: *mut usize,
    ) -> *mut c_void {
        if size != 0 {
            super::ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        let upb = UPB_FUNC.get().expect("installed");
        // SAFETY: forwarded unchanged to upb's own function, under the caller's contract.
        unsafe { upb(alloc, ptr, old_size, size, actual_size) }
    }

    /// Call before any upb message exists (single-threaded).
    pub fn install() {
        // SAFETY: no upb arena exists yet and no other thread runs, so nothing reads the
        // global while it changes; the replacement forwards to the original.
        unsafe {
            let global = &raw mut upb_alloc_global;
            UPB_FUNC.set((*global).func).expect("install once");
            (*global).func = counting;
        }
    }
}

fn count<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let out = std::hint::black_box(f());
    (out, ALLOCATIONS.load(Ordering::Relaxed) - before)
}

/// Allocations (including reallocations) per message: decode, merge_reuse, encode_to_vec.
#[derive(Debug, Clone, Copy)]
struct Counts {
    decode: f64,
    /// NaN where the library's merge_reuse is not measured (`Codec::NO_MERGE_REUSE`).
    merge_reuse: f64,
    encode_to_vec: f64,
}

fn measure<M: Codec, P: Codec>(
    library: &str,
    workload: &Workload,
    rows: &mut Vec<(String, String, Counts)>,
) {
    if M::EXCLUDED.is_some() {
        return;
    }
    let data = workload.load();
    let decoded = check_roundtrip::<M, P>(library, workload, &data);
    let n = data.payloads.len() as f64;

    let mut decode = 0;
    for p in &data.payloads {
        let (m, a) = count(|| M::decode_shared(p));
        decode += a;
        drop(m);
    }

    // Steady state: one pass to size the reused message's buffers, then count.
    let mut merge = 0;
    if M::NO_MERGE_REUSE.is_none() {
        let mut reused = M::default();
        for p in &data.payloads {
            reused.clear_all();
            reused.merge_shared(p);
        }
        for p in &data.payloads {
            let ((), a) = count(|| {
                reused.clear_all();
                reused.merge_shared(p);
            });
            merge += a;
        }
    }

    let mut encode = 0;
    for m in &decoded {
        let (v, a) = count(|| m.to_vec());
        encode += a;
        drop(v);
    }

    rows.push((
        workload.name.to_string(),
        library.to_string(),
        Counts {
            decode: decode as f64 / n,
            merge_reuse: if M::NO_MERGE_REUSE.is_none() {
                merge as f64 / n
            } else {
                f64::NAN
            },
            encode_to_vec: encode as f64 / n,
        },
    ));
}

/// Reads one column out of [`Counts`].
type Pick = fn(&Counts) -> f64;

struct Collect {
    rows: Vec<(String, String, Counts)>,
    sizes: Vec<(String, usize, u64, u64)>,
}

impl Visit for Collect {
    fn visit<R: Codec, RB: Codec, P: Codec, B: Codec, G: Codec, U: Codec>(
        &mut self,
        workload: &Workload,
    ) {
        let data = workload.load();
        self.sizes.push((
            workload.name.to_string(),
            data.payloads.len(),
            data.total_bytes(),
            data.payloads
                .iter()
                .map(|p| P::decode_new(p).size() as u64)
                .sum(),
        ));
        measure::<R, P>(LIBRARIES[0], workload, &mut self.rows);
        measure::<P, P>(LIBRARIES[1], workload, &mut self.rows);
        measure::<B, P>(LIBRARIES[2], workload, &mut self.rows);
        measure::<G, P>(LIBRARIES[3], workload, &mut self.rows);
        measure::<U, P>(LIBRARIES[4], workload, &mut self.rows);
        measure::<RB, P>(LIBRARIES[5], workload, &mut self.rows);
    }
}

fn fmt(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_string()
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn main() {
    let markdown = std::env::args().any(|a| a == "--markdown");
    #[cfg(feature = "upb")]
    upb_alloc::install();
    let mut c = Collect {
        rows: Vec::new(),
        sizes: Vec::new(),
    };
    for_each_workload(&mut c);

    if markdown {
        println!(
            "Allocations per message (average over the dataset's payloads; reallocations \
             count). `bytes`: the payloads' total size; `re-encoded`: the total size every \
             library re-encodes them to (checked equal for all). upb allocates its arena \
             blocks with C's `malloc`, counted too (through `upb_alloc_global`); its \
             merge_reuse is not measured (n/a: see Peers). `{RSFAST_BYTES}`: rsfast's \
             zero-copy mode, decoding from the payload's `Bytes` so that `bytes` and \
             `string` fields share it instead of copying it.\n"
        );
        let picks: [(&str, Pick); 3] = [
            ("decode (fresh message)", |r| r.decode),
            ("merge_reuse (clear + merge, steady state)", |r| {
                r.merge_reuse
            }),
            ("encode_to_vec", |r| r.encode_to_vec),
        ];
        for (title, pick) in picks {
            println!("### {title}\n");
            print!("| workload | payloads | bytes | re-encoded |");
            for lib in LIBRARIES {
                print!(" {lib} |");
            }
            println!();
            println!("|---|---:|---:|---:|{}", "---:|".repeat(LIBRARIES.len()));
            for (name, payloads, bytes, reencoded) in &c.sizes {
                print!("| {name} | {payloads} | {bytes} | {reencoded} |");
                for lib in LIBRARIES {
                    match c.rows.iter().find(|(w, l, _)| w == name && l == lib) {
                        Some((_, _, r)) => print!(" {} |", fmt(pick(r))),
                        None => print!(" n/a |"),
                    }
                }
                println!();
            }
            println!();
        }
    } else {
        println!(
            "{:<22} {:<14} {:>10} {:>12} {:>14}",
            "workload", "library", "decode", "merge_reuse", "encode_to_vec"
        );
        for (w, l, r) in &c.rows {
            println!(
                "{w:<22} {l:<14} {:>10} {:>12} {:>14}",
                fmt(r.decode),
                fmt(r.merge_reuse),
                fmt(r.encode_to_vec)
            );
        }
    }
}
