#!/usr/bin/env bash
# Side-by-side benchmarks of the C++ fixture server and the Node socket.io reference.
#
#   bash bench/run.sh            # full run (3 repetitions), writes bench/RESULTS.md
#   bash bench/run.sh --quick    # small sizes, 1 repetition, writes bench/.work/RESULTS-quick.md
#   bash bench/run.sh --reps 5   # more repetitions
#
# Installs bench/'s npm packages with `npm ci`, builds the C++ fixture and the C++ load
# generator (bench/loadgen) in Release if needed, raises the open-file limit as far as it can,
# then runs bench/bench.mjs. Everything listens on 127.0.0.1 only. Needs 2 CPUs (server pinned
# to CPU 0, generator to CPU 1), taskset, node >= 20, npm, cmake, ninja and a C++20 compiler
# (scripts/test.sh installs them on Debian 12).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

args=("$@")

for tool in node npm cmake ninja taskset; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found" >&2; exit 1; }
done

echo "== npm ci (bench/)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

bin="$repo/build/release/examples/socketio-fixture-server"
loadgen="$repo/build/release/bench/loadgen/socketio-loadgen"
echo "== C++ fixture and load generator (Release)"
if [[ ! -f "$repo/build/release/build.ninja" ]]; then
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
# Ninja rebuilds only what changed; a no-op when the binaries are up to date.
cmake --build build/release -j2 --target socketio-fixture-server socketio-loadgen

# 19,000 connections need more than 19,000 descriptors in the server (the generators split
# them over two processes).
want=65536
soft="$(ulimit -Sn)"
if [[ "$soft" != "unlimited" && "$soft" -lt "$want" ]]; then
  ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
fi
echo "== open-file limit: $(ulimit -Sn)"

mkdir -p "$here/.work"
echo "== benchmarks"
BENCH_COMMAND="bash bench/run.sh${args[*]:+ ${args[*]}}" \
  node "$here/bench.mjs" --cpp-bin "$bin" --loadgen-bin "$loadgen" "$@"
