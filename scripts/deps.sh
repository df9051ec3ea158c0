#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmarks use.
# Idempotent: prints nothing and touches nothing when everything is present.
# Usage: scripts/deps.sh [build|test|bench|all]   (default: build)
set -euo pipefail

want="${1:-build}"

build_pkgs=(make gcc pkg-config libssl-dev libmicrohttpd-dev libcurl4-openssl-dev
            libjansson-dev libpq-dev libsqlite3-dev libhiredis-dev libsodium-dev)
test_pkgs=(libcriterion-dev postgresql-15 redis-server clang libclang-rt-14-dev
           clang-format sqlite3 postgresql-client-15 chromium)
bench_pkgs=(wrk)

pkgs=("${build_pkgs[@]}")
case "$want" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "deps.sh: unknown set '$want' (build|test|bench|all)" >&2; exit 2 ;;
esac

# Node.js and npm usually come with the machine; install Debian's only when missing.
if [ "$want" != build ]; then
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
