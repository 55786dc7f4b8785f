#!/usr/bin/env bash
# What TLS costs the server (bench/tls.mjs): fanout CPU per delivery and idle RSS per
# connection over wss beside the same in the clear, medians of 3.
#
#   bash bench/tls.sh                  # the C++ fixture: bench/TLS_RESULTS.md (about 4 minutes)
#   bash bench/tls.sh --server node    # the Node reference: bench/TLS_RESULTS-node.md
#   bash bench/tls.sh --quick          # small sizes, 1 repetition, under a minute
#
# Installs bench/'s npm packages (the Node reference), builds the C++ fixture and the load
# generator in build/release if needed, raises the open-file limit, then runs tls.mjs. Needs
# openssl (the certificate), taskset and 2 CPUs. Everything stays on 127.0.0.0/8.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

for tool in node npm cmake ninja taskset openssl; do
  command -v "$tool" >/dev/null || { echo "bench/tls.sh: $tool not found" >&2; exit 1; }
done

echo "== npm ci (bench/)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

bin="$repo/build/release/examples/socketio-fixture-server"
loadgen="$repo/build/release/bench/loadgen/socketio-loadgen"
echo "== C++ fixture and load generator (Release)"
if [[ ! -f "$repo/build/release/build.ninja" ]]; then
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build/release -j2 --target socketio-fixture-server socketio-loadgen

want=65536
soft="$(ulimit -Sn)"
if [[ "$soft" != "unlimited" && "$soft" -lt "$want" ]]; then
  ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
fi

mkdir -p "$here/.work"
echo "== TLS cost"
TLS_COMMAND="bash bench/tls.sh${*:+ $*}" \
  node "$here/tls.mjs" --cpp-bin "$bin" --loadgen-bin "$loadgen" "$@"
