#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on a scratch copy of its seed corpus, FUZZ_JOBS
# (default: the number of cores) targets at a time; each target's report is printed whole when
# it ends. Usage: scripts/fuzz.sh SECONDS FUZZER...   A finding (crash) fails the run.
set -euo pipefail
secs=$1
shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

one() { # fuzzer: prints its report; exit 1 on a finding
  local f=$1 name work
  name=$(basename "$f")
  work=$(mktemp -d /tmp/rafiki-fuzz-"$name".XXXXXX)
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
  if ! "$f" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/" "$work" \
      2>"$work.log"; then
    printf '=== fuzz %s for %ss\nfuzz %s: FINDING (artifacts in %s)\n' "$name" "$secs" "$name" "$work"
    tail -40 "$work.log"
    return 1
  fi
  printf '=== fuzz %s for %ss\n%s\n' "$name" "$secs" \
    "$(grep -E 'stat::number_of_executed_units|Done' "$work.log" | tail -2)"
  rm -rf "$work" "$work.log"
}

rc=0
pids=()
for f in "$@"; do
  one "$f" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || rc=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do
  wait "$p" || rc=1
done
exit $rc
