# shellcheck shell=bash
# What bench/run.sh, bench/soak.sh and bench/tls.sh do before they start their node script:
# check the tools, install bench/'s npm packages, build the C++ fixture and the load generator
# in build/release, raise the open-file limit. Sourced (not run) after `set -euo pipefail`;
# it leaves the shell in the repository's root.
#
#   bench_check_tools NAME TOOL...   exits with a message naming NAME when a TOOL is missing
#   bench_npm_ci                     `npm ci` in bench/ (the Node reference's packages)
#   bench_build                      the fixture ($bench_fixture) and generator ($bench_loadgen)
#   bench_raise_open_files           the soft open-file limit up to 65536 or the hard limit

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_repo="$(cd "$bench_dir/.." && pwd)"
# shellcheck disable=SC2034  # read by the scripts that source this file
bench_fixture="$bench_repo/build/release/examples/socketio-fixture-server"
# shellcheck disable=SC2034  # read by the scripts that source this file
bench_loadgen="$bench_repo/build/release/bench/loadgen/socketio-loadgen"
cd "$bench_repo" || exit 1

bench_check_tools() {
  local name="$1" tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: $tool not found" >&2; exit 1; }
  done
}

bench_npm_ci() {
  echo "== npm ci (bench/)"
  (cd "$bench_dir" && npm ci --no-audit --no-fund --loglevel=error)
}

bench_build() {
  echo "== C++ fixture and load generator (Release)"
  if [[ ! -f "$bench_repo/build/release/build.ninja" ]]; then
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  # Ninja rebuilds only what changed; a no-op when the binaries are up to date.
  cmake --build build/release -j2 --target socketio-fixture-server socketio-loadgen
}

# Every connection is a descriptor in the server and one in a generator: 10,000 or 19,000
# connections are far above the usual soft limit of 1024.
bench_raise_open_files() {
  local want=65536 soft
  soft="$(ulimit -Sn)"
  if [[ "$soft" != "unlimited" && "$soft" -lt "$want" ]]; then
    ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  fi
  echo "== open-file limit: $(ulimit -Sn)"
  mkdir -p "$bench_dir/.work"
}
