//! Shared by the golden and plugin tests: which protos the goldens come from, the
//! library API's output for them, and a line diff for failure messages.

use std::fmt::Write as _;
use std::path::PathBuf;

use protoc_gen_rsfast::{Config, GeneratedFile};

/// The protos the goldens are generated from, relative to [`proto_dir`].
pub const PROTOS: [&str; 4] = [
    "test/types3.proto",
    "test/types2.proto",
    "test/other.proto",
    "echo.proto",
];

/// `proto/` at the workspace root: the include directory.
pub fn proto_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto")
}

/// Generates every test proto at once through the library API, with `parameter` applied.
pub fn generate_with(parameter: &str) -> Vec<GeneratedFile> {
    let mut config = Config::new();
    config
        .parameter(parameter)
        .unwrap_or_else(|e| panic!("parameter {parameter:?}: {e}"));
    let paths: Vec<PathBuf> = PROTOS.iter().map(|p| proto_dir().join(p)).collect();
    config
        .generate(&paths, &[proto_dir()])
        .unwrap_or_else(|e| panic!("generating the test protos: {e}"))
}

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// At most this many diff lines per file; the rest is summarised.
const MAX_LINES: usize = 200;
/// Bound on the LCS table (cells) for the part that differs; beyond it, the whole
/// differing middle is shown as removed then added.
const MAX_CELLS: usize = 16_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Del,
    Add,
}

/// A unified-style diff of `old` (the golden) against `new` (generated): `-` lines are
/// in the golden only, `+` lines in the generated output only, with `@@` line numbers.
pub fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = diff_ops(&a, &b);

    // Positions (in `a`, `b`) before each op, to print hunk headers.
    let mut pos = Vec::with_capacity(ops.len() + 1);
    let (mut i, mut j) = (0, 0);
    for op in &ops {
        pos.push((i, j));
        match op {
            Op::Same => (i, j) = (i + 1, j + 1),
            Op::Del => i += 1,
            Op::Add => j += 1,
        }
    }

    // Which ops to show: every change, and CONTEXT lines of `Same` around each.
    let mut show = vec![false; ops.len()];
    for (k, _) in ops.iter().enumerate().filter(|(_, op)| **op != Op::Same) {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT + 1).min(ops.len());
        show[lo..hi].iter_mut().for_each(|s| *s = true);
    }

    let mut out = String::new();
    let mut lines = 0;
    let mut k = 0;
    while k < ops.len() {
        if !show[k] {
            k += 1;
            continue;
        }
        let end = (k..ops.len()).find(|&e| !show[e]).unwrap_or(ops.len());
        let (old_len, new_len) = ops[k..end].iter().fold((0, 0), |(o, n), op| match op {
            Op::Same => (o + 1, n + 1),
            Op::Del => (o + 1, n),
            Op::Add => (o, n + 1),
        });
        let (i0, j0) = pos[k];
        writeln!(out, "@@ -{},{old_len} +{},{new_len} @@", i0 + 1, j0 + 1).unwrap();
        for (op, &(i, j)) in ops[k..end].iter().zip(&pos[k..end]) {
            if lines == MAX_LINES {
                let rest = ops[k..].iter().filter(|op| **op != Op::Same).count();
                writeln!(
                    out,
                    "... diff truncated ({rest} more changed lines at most)"
                )
                .unwrap();
                return out;
            }
            lines += 1;
            match op {
                Op::Same => writeln!(out, "  {}", a[i]),
                Op::Del => writeln!(out, "- {}", a[i]),
                Op::Add => writeln!(out, "+ {}", b[j]),
            }
            .unwrap();
        }
        k = end;
    }
    if out.is_empty() {
        // Same lines, different bytes: line endings or the final newline.
        out.push_str("(no line differs: line endings or the trailing newline differ)\n");
    }
    out
}

/// The edit script from `a` to `b`: common prefix and suffix, and a longest common
/// subsequence of the middle (when small enough).
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops = vec![Op::Same; prefix];
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        ops.extend(std::iter::repeat_n(Op::Del, ma.len()));
        ops.extend(std::iter::repeat_n(Op::Add, mb.len()));
    } else {
        // lcs[i][j]: length of the LCS of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() && j < mb.len() {
            if ma[i] == mb[j] {
                ops.push(Op::Same);
                (i, j) = (i + 1, j + 1);
            } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
                ops.push(Op::Del);
                i += 1;
            } else {
                ops.push(Op::Add);
                j += 1;
            }
        }
        ops.extend(std::iter::repeat_n(Op::Del, ma.len() - i));
        ops.extend(std::iter::repeat_n(Op::Add, mb.len() - j));
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}
