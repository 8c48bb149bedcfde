#!/usr/bin/env bash
# Interop with an independent gRPC implementation: Python's grpcio against the Rust Echo
# binaries (plaintext, TLS, mutual TLS; health checking and reflection). See
# interop/interop_test.py for what is checked.
#
# Creates (or reuses) a venv with the pinned grpcio packages in
# ~/.cache/rsfast-interop-venv (RSFAST_INTEROP_VENV overrides), builds the example
# binaries, generates Python stubs for proto/echo.proto into a temp dir, runs the tests.
# Exits non-zero on any failure. Needs python3 with venv and pip, and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${RSFAST_INTEROP_VENV:-$HOME/.cache/rsfast-interop-venv}"
requirements=interop/requirements.txt
fail() { echo "interop: $*" >&2; exit 1; }

# A venv whose python no longer runs (the system python changed) is made again.
if ! "$venv/bin/python" -c '' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "cannot create a venv in $venv (Debian: apt-get install python3-venv)"
fi
# Reinstall only when the pins change.
if ! cmp -s "$requirements" "$venv/.rsfast-requirements"; then
  timeout 900 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$requirements" || fail "pip install -r $requirements failed"
  cp "$requirements" "$venv/.rsfast-requirements"
fi

cargo build --quiet -p rsfast-examples --bin echo-server --bin echo-client --bin echo-certs
target_dir="$(cargo metadata --format-version 1 --no-deps \
  | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

work="$(mktemp -d "${TMPDIR:-/tmp}/rsfast-interop.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir "$work/stubs"
"$venv/bin/python" -m grpc_tools.protoc -I proto \
  --python_out="$work/stubs" --grpc_python_out="$work/stubs" proto/echo.proto \
  || fail "grpc_tools.protoc could not generate the stubs"

if ! timeout 600 "$venv/bin/python" interop/interop_test.py \
  --bin-dir "$target_dir/debug" --stubs "$work/stubs" --work "$work" "$@"; then
  fail "FAILED (see above)"
fi
echo "interop: all passed"
