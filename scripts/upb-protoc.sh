#!/usr/bin/env bash
# Installs protoc 36.2 for the bench crate's upb peer (feature `upb` of rsfast-bench): the
# `protobuf` crate 4.36.2 generates its code with protoc's own `--rust_out` and accepts
# protoc 36.2 only. The npm package `protoc@36.2.0` ships the official binaries; it goes
# to ~/.cache/rsfast-protoc-36.2, where bench/build.rs looks (or set PROTOC_UPB).
# Prints the protoc path.
set -euo pipefail
dir="$HOME/.cache/rsfast-protoc-36.2"
protoc="$dir/node_modules/.bin/protoc"
if ! [ -x "$protoc" ] || [ "$("$protoc" --version 2>/dev/null)" != "libprotoc 36.2" ]; then
  if ! command -v npm >/dev/null; then
    echo "upb-protoc.sh: needs npm (Debian: apt-get install npm)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent protoc@36.2.0 >&2
fi
version="$("$protoc" --version)"
if [ "$version" != "libprotoc 36.2" ]; then
  echo "upb-protoc.sh: $protoc is $version, not libprotoc 36.2" >&2
  exit 1
fi
echo "$protoc"
