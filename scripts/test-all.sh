#!/usr/bin/env bash
# Runs every test suite against the services scripts/with-services.sh started, then prints one
# closing line summing all suites: "total: N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# the ASan+UBSan build of rafiki (make BUILD=build/asan SAN=1 OPT=-O1 build/asan/rafiki; make
# test makes it) for the interop suites that are the only tests of most of src/auth
ASAN_BUILD=${ASAN_BUILD:-build/asan}
ASAN_SUITES="open_payments open_payments_security consent payments_out payments_receive"
SHARED=${SHARED:-../shared}
log=$(mktemp /tmp/rafiki-test.XXXXXX)
trap 'rm -f "$log"' EXIT
passed=0 failed=0 suites_failed=()

# Criterion prints "Synthesis: Tested: T | Passing: P | Failing: F | Crashing: C".
count_criterion() {
  local line
  line=$(grep -a 'Synthesis:' "${1:-$log}" | tail -1)
  local p f c
  p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
  f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
  c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${c:-0}))
}

# node --test prints "# pass N" and "# fail N".
count_node() {
  local p f l=${1:-$log}
  p=$(grep -aE '^# pass [0-9]+' "$l" | awk '{print $3}' | tail -1)
  f=$(grep -aE '^# fail [0-9]+' "$l" | awk '{print $3}' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
}

run_suite() { # name, command...
  local name=$1
  shift
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    suites_failed+=("$name")
  fi
  return "$rc"
}

for t in "$BUILD"/unit/*; do
  [ -x "$t" ] || continue
  run_suite "unit/$(basename "$t")" "$t" --jobs 2
  count_criterion
done

if [ -d "$SHARED/vectors" ]; then
  # the shared vectors, and our own that exercise the vector conventions (tests/vectors/local)
  run_suite "test-vectors" "$BUILD/test-vectors" "$SHARED/vectors" tests/vectors/local
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  passed=$((passed + $(awk '{print $1}' <<<"${line:-0 passed, 0 failed}")))
  failed=$((failed + $(awk '{print $3}' <<<"${line:-0 passed, 0 failed}")))
else
  echo "test-all: $SHARED/vectors not found" >&2
  suites_failed+=("test-vectors")
fi

run_suite "integration" "$BUILD/integration-tests" --jobs 1
count_criterion

if ls tests/interop/*.test.mjs >/dev/null 2>&1; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || suites_failed+=("interop npm ci")
  export RAFIKI_BUILD="$PWD/$BUILD"
  # The same servers under ASan+UBSan, at the same time as the plain suite (each test takes free
  # ports, its own data directory and its own Postgres database): a report aborts the server (the
  # request that caused it fails) and fails the test file (tests/interop/lib/serve.mjs reads the
  # server's stderr). Its output is printed once the plain suite is done.
  asan_log=$(mktemp /tmp/rafiki-test-asan.XXXXXX)
  asan_pid=
  if [ -x "$ASAN_BUILD/rafiki" ]; then
    files=$(for s in $ASAN_SUITES; do printf './%s.test.mjs ' "$s"; done)
    (cd tests/interop && RAFIKI_BUILD="$OLDPWD/$ASAN_BUILD" \
      ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=0 \
      UBSAN_OPTIONS=abort_on_error=1:halt_on_error=1:print_stacktrace=1 \
      node --test --test-concurrency=1 $files) >"$asan_log" 2>&1 &
    asan_pid=$!
  else
    echo "test-all: $ASAN_BUILD/rafiki not found (make BUILD=$ASAN_BUILD SAN=1 OPT=-O1 $ASAN_BUILD/rafiki)" >&2
    suites_failed+=("interop-asan")
  fi
  run_suite "interop" bash -c 'cd tests/interop && node --test --test-concurrency=1 ./*.test.mjs'
  count_node
  if [ -n "$asan_pid" ]; then
    wait "$asan_pid"
    asan_rc=$?
    echo "=== interop-asan"
    cat "$asan_log"
    [ "$asan_rc" -eq 0 ] || suites_failed+=("interop-asan")
    count_node "$asan_log"
  fi
  rm -f "$asan_log"
fi

echo
if [ ${#suites_failed[@]} -ne 0 ]; then
  echo "failed suites: ${suites_failed[*]}"
  [ "$failed" -eq 0 ] && failed=${#suites_failed[@]}
fi
echo "total: $passed passed, $failed failed"
[ ${#suites_failed[@]} -eq 0 ] && [ "$failed" -eq 0 ]
