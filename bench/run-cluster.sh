#!/usr/bin/env bash
# Cross-node broadcast benchmark: C++ fixture nodes against Node socket.io nodes, each pair joined
# through its own private redis-server with the Redis adapter (classic and sharded modes).
#
#   bash bench/run-cluster.sh                   # 3 repetitions, writes bench/CLUSTER_RESULTS.md
#   bash bench/run-cluster.sh --quick           # small sizes, 1 repetition, bench/.work/CLUSTER_RESULTS-quick.md
#   bash bench/run-cluster.sh --modes classic   # one adapter mode
#   bash bench/run-cluster.sh --cpp-bin PATH    # another C++ fixture binary (no build)
#   bash bench/run-cluster.sh --cpp-cmd "node bench/.work/fixture.mjs"   # dry run of the plumbing,
#                                               # Node in both slots, bench/.work/CLUSTER_RESULTS-dry.md
#
# Installs bench/'s npm packages with `npm ci`, builds the C++ fixture in build/release (Release)
# unless another command is given, then runs bench/cluster.mjs. The C++ fixture must accept
# `--redis URL --redis-mode classic|sharded` (docs/FIXTURE.md); one that refuses the flag is
# reported and nothing is measured (exit status 3). Needs node >= 20, npm, redis-server (>= 7 for
# sharded mode), and for the build cmake, ninja and a C++20 compiler. Everything listens on
# 127.0.0.1 only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

build=1
for a in "$@"; do
  if [[ "$a" == "--cpp-bin" || "$a" == "--cpp-cmd" || "$a" == "--render" ]]; then build=0; fi
done

for tool in node npm redis-server; do
  command -v "$tool" >/dev/null || { echo "bench/run-cluster.sh: $tool not found" >&2; exit 1; }
done

echo "== npm ci (bench/)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

if [[ "$build" == 1 ]]; then
  for tool in cmake ninja; do
    command -v "$tool" >/dev/null || { echo "bench/run-cluster.sh: $tool not found" >&2; exit 1; }
  done
  echo "== C++ fixture (Release)"
  if [[ ! -f "$repo/build/release/build.ninja" ]]; then
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  # Ninja rebuilds only what changed; a no-op when the binary is up to date.
  cmake --build build/release --target socketio-fixture-server
fi

# A few hundred connections per run; raise the soft limit when it is low.
soft="$(ulimit -Sn)"
if [[ "$soft" != "unlimited" && "$soft" -lt 4096 ]]; then
  ulimit -Sn 4096 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
fi

mkdir -p "$here/.work"
echo "== cluster benchmark"
shown="bash bench/run-cluster.sh"
for a in "$@"; do shown+=" $(printf '%q' "$a")"; done
BENCH_COMMAND="$shown" node "$here/cluster.mjs" "$@"
