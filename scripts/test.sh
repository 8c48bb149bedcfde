#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test (unit, integration,
# golden, plugin-through-protoc, differential, hostile input, doc tests; the bench crate
# again with its upb peer, which needs npm for protoc 36.2), then the
# protobuf conformance suite (needs npm and apt-get; see scripts/conformance.sh), then
# gRPC interop with Python's grpcio (scripts/interop.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# The bench crate's upb peer (feature `upb` of rsfast-bench) needs protoc 36.2, from npm
# (scripts/upb-protoc.sh): lint it and run its round-trip checks.
PROTOC_UPB="$(./scripts/upb-protoc.sh)"
export PROTOC_UPB
cargo clippy -p rsfast-bench --all-targets --features upb -- -D warnings
cargo test -p rsfast-bench --features upb
# Generated doc comments must render cleanly (no doc tests, links, bare URLs).
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
./scripts/conformance.sh
# Interop with Python's grpcio (needs python3 with venv and PyPI; see scripts/interop.sh).
./scripts/interop.sh
