#!/usr/bin/env bash
# The soak benchmark (bench/soak.mjs): 10,000 clients with traffic, churn and injected faults
# against the C++ fixture server for 10 minutes; writes bench/SOAK.md and bench/soak.svg.
#
#   bash bench/soak.sh            # the full run, about 11 minutes
#   bash bench/soak.sh --quick    # 2,000 clients for 40 s; writes bench/.work/SOAK-quick.md
#   bash bench/soak.sh --clients 10000 --duration 60 --out /tmp/S.md   # a short validation run
#
# Builds the C++ fixture and the load generator in build/release if needed, raises the
# open-file limit as far as the hard limit allows, then runs soak.mjs. Needs 2 CPUs and
# taskset (server on CPU 0, generator on CPU 1). Everything stays on 127.0.0.0/8.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

for tool in node cmake ninja taskset; do
  command -v "$tool" >/dev/null || { echo "bench/soak.sh: $tool not found" >&2; exit 1; }
done

bin="$repo/build/release/examples/socketio-fixture-server"
loadgen="$repo/build/release/bench/loadgen/socketio-loadgen"
echo "== C++ fixture and load generator (Release)"
if [[ ! -f "$repo/build/release/build.ninja" ]]; then
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/release -j2 --target socketio-fixture-server socketio-loadgen

# 10,000 connections need about 10,100 descriptors in the server and as many in the generator.
want=65536
soft="$(ulimit -Sn)"
if [[ "$soft" != "unlimited" && "$soft" -lt "$want" ]]; then
  ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
fi
echo "== open-file limit: $(ulimit -Sn)"

mkdir -p "$here/.work"
echo "== soak"
SOAK_COMMAND="bash bench/soak.sh${*:+ $*}" \
  node "$here/soak.mjs" --cpp-bin "$bin" --loadgen-bin "$loadgen" "$@"
