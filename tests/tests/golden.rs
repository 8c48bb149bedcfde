//! The checked-in goldens (`tests/golden/`) are exactly what the generator emits today.
//!
//! On a mismatch the test prints a line diff; `RSFAST_BLESS=1 cargo test -p rsfast-tests
//! --test golden` rewrites the goldens instead (review the change with `git diff`).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use protoc_gen_rsfast::GeneratedFile;

const BLESS: &str = "set RSFAST_BLESS=1 to rewrite";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn blessing() -> bool {
    std::env::var_os("RSFAST_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The `.rs` files in the golden directory, by file name.
fn read_goldens(dir: &Path) -> BTreeMap<String, String> {
    let mut goldens = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let content = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            goldens.insert(name, content);
        }
    }
    goldens
}

#[test]
fn goldens_are_up_to_date() {
    let generated: BTreeMap<String, String> = common::generate_with("")
        .into_iter()
        .map(|GeneratedFile { name, content }| (name, content))
        .collect();
    assert_eq!(
        generated.len(),
        common::PROTOS.len(),
        "expected one generated file per test package, got {:?}",
        generated.keys().collect::<Vec<_>>()
    );
    let dir = golden_dir();
    let goldens = read_goldens(&dir);

    if blessing() {
        for (name, content) in &generated {
            if goldens.get(name) != Some(content) {
                std::fs::write(dir.join(name), content).unwrap();
                eprintln!("blessed tests/golden/{name}");
            }
        }
        for name in goldens.keys().filter(|n| !generated.contains_key(*n)) {
            std::fs::remove_file(dir.join(name)).unwrap();
            eprintln!("removed tests/golden/{name}");
        }
        return;
    }

    let mut report = String::new();
    for (name, content) in &generated {
        match goldens.get(name) {
            None => writeln!(
                report,
                "tests/golden/{name} is missing: the generator emits it \
                 (and tests/src/lib.rs must include it)"
            )
            .unwrap(),
            Some(golden) if golden != content => {
                writeln!(
                    report,
                    "tests/golden/{name} differs from the generator's output:"
                )
                .unwrap();
                report.push_str(&line_diff(golden, content));
            }
            Some(_) => {}
        }
    }
    for name in goldens.keys().filter(|n| !generated.contains_key(*n)) {
        writeln!(
            report,
            "tests/golden/{name} is extra: the generator no longer emits it"
        )
        .unwrap();
    }
    assert!(report.is_empty(), "{report}{BLESS}");
}

#[test]
fn generation_is_deterministic() {
    let first = common::generate_with("");
    let second = common::generate_with("");
    assert_eq!(
        first.iter().map(|f| &f.name).collect::<Vec<_>>(),
        second.iter().map(|f| &f.name).collect::<Vec<_>>()
    );
    for (a, b) in first.iter().zip(&second) {
        assert!(
            a.content == b.content,
            "{} differs between two runs:\n{}",
            a.name,
            line_diff(&a.content, &b.content)
        );
    }
}

// --- A small line diff, for readable failures without a dependency. ---

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
fn line_diff(old: &str, new: &str) -> String {
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

#[test]
fn line_diff_shows_changes_with_context() {
    let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
    let new: String = (1..=21)
        .filter(|&n| n != 18)
        .map(|n| match n {
            3 => "three\n".to_owned(),
            n => format!("{n}\n"),
        })
        .collect();
    assert_eq!(
        line_diff(&old, &new),
        "@@ -1,6 +1,6 @@\n  1\n  2\n- 3\n+ three\n  4\n  5\n  6\n\
         @@ -15,6 +15,6 @@\n  15\n  16\n  17\n- 18\n  19\n  20\n+ 21\n"
    );
    assert_eq!(
        line_diff("x\n", "x"),
        "(no line differs: line endings or the trailing newline differ)\n"
    );
}
