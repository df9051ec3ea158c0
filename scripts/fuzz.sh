#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on a scratch copy of its seed corpus.
# Usage: scripts/fuzz.sh SECONDS FUZZER...   A finding (crash) fails the run.
set -euo pipefail
secs=$1
shift
rc=0
for f in "$@"; do
  name=$(basename "$f")
  work=$(mktemp -d /tmp/rafiki-fuzz-"$name".XXXXXX)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  echo "=== fuzz $name for ${secs}s"
  if ! "$f" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" "$work" \
      2>"$work.log"; then
    echo "fuzz $name: FINDING (artifacts in $work)"
    tail -40 "$work.log"
    rc=1
    continue
  fi
  grep -E 'stat::number_of_executed_units|Done' "$work.log" | tail -2
  rm -rf "$work" "$work.log"
done
exit $rc
