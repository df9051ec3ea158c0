#!/usr/bin/env bash
# Runs every benchmark binary in turn (they print their own figures) and keeps a copy of the
# output in build/bench-results.txt. Benchmarks read TEST_POSTGRES_URL when they need Postgres.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
out="$BUILD/bench-results.txt"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  for b in "$BUILD"/bench/*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b" || echo "bench $(basename "$b") exited $?"
  done
  # Node benchmarks (bench/*.mjs) drive several processes with the interop tests' npm clients
  ( cd tests/interop && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } )
  for b in bench/*.mjs; do
    echo "== $(basename "$b")"
    RAFIKI_BUILD="$PWD/$BUILD" node "$b" || echo "bench $(basename "$b") exited $?"
  done
} 2>&1 | tee "$out"
