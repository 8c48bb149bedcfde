#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test (unit, integration,
# golden, plugin-through-protoc, differential, hostile input, doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
