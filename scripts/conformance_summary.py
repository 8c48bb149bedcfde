#!/usr/bin/env python3
"""Counts a conformance run's tests by outcome, level and syntax.

Usage: conformance_summary.py LOG [--failure_list F]... [--check]

LOG is the runner's --verbose output. Prints passed/failed/skipped per level and syntax,
for all tests and for the binary ones (protobuf in, protobuf out), then the failed tests.
With --check, exits 1 if any test failed or was skipped (binary, JSON and text format are
all implemented). A test named in
a failure list that ran counts as failed (the runner reports expected failures as passes).
"""
import argparse
import collections
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("log")
ap.add_argument("--failure_list", action="append", default=[])
ap.add_argument("--check", action="store_true")
a = ap.parse_args()

RUN = re.compile(r"^conformance test: name=(\S+), request=")
FMT = re.compile(r"requested_output_format: ([A-Z_]+) message_type: \"[^\"]*\" test_category: ([A-Z_]+)")
SKIP = re.compile(r"^SKIPPED, test=(\S+) request=")
FAIL = re.compile(r"^(?:ERROR|WARNING), test=(\S+?): ")
INPUT = {"BINARY_TEST": "protobuf", "JSON_TEST": "json",
         "JSON_IGNORE_UNKNOWN_PARSING_TEST": "json", "TEXT_FORMAT_TEST": "text"}

tests, skipped, failed, suites = {}, set(), set(), []
with open(a.log, errors="replace") as f:
    for line in f:
        if m := RUN.match(line):
            fm = FMT.search(line)
            out, cat = fm.groups() if fm else ("?", "?")
            tests[m[1]] = (INPUT.get(cat, cat.lower()), out.lower().replace("_format", ""))
        elif m := SKIP.match(line):
            skipped.add(m[1])
        elif m := FAIL.match(line):
            failed.add(m[1])
        elif line.startswith("CONFORMANCE SUITE"):
            suites.append(line.strip())
for path in a.failure_list:
    with open(path) as f:
        failed |= {l.split("#")[0].strip() for l in f} - {""}

outcome = {n: "skipped" if n in skipped else "failed" if n in failed else "passed" for n in tests}


def table(title, names):
    c = collections.Counter()
    for n in names:
        level, syntax = n.split(".")[:2]
        c[(level, syntax, outcome[n])] += 1
        c[("all", "", outcome[n])] += 1
    print(f"\n{title}\n{'level':<12}{'syntax':<17}{'passed':>7}{'failed':>7}{'skipped':>8}{'total':>7}")
    for l, s in sorted({(l, s) for l, s, _ in c}, key=lambda k: (k[0] == "all", k)):
        p, f, sk = (c[(l, s, o)] for o in ("passed", "failed", "skipped"))
        print(f"{l:<12}{s:<17}{p:>7}{f:>7}{sk:>8}{p + f + sk:>7}")


binary = [n for n, io in tests.items() if io == ("protobuf", "protobuf")]
print("\n".join(suites))
table("All tests:", tests)
table("Binary only (protobuf input and output):", binary)
bad = sorted(n for n in tests if outcome[n] == "failed")
print("\nFailed tests:" + "".join("\n  " + n for n in bad))
skipped = sorted(n for n in tests if outcome[n] == "skipped")
if skipped:
    print("\nSkipped tests:" + "".join("\n  " + n for n in skipped))
if a.check and (bad or skipped or not tests):
    sys.exit(1)
