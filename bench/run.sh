#!/usr/bin/env bash
# Side-by-side benchmarks of the C++ fixture server and the Node socket.io reference.
#
#   bash bench/run.sh            # full run (3 repetitions), writes bench/RESULTS.md
#   bash bench/run.sh --quick    # small sizes, 1 repetition, writes bench/.work/RESULTS-quick.md
#   bash bench/run.sh --reps 5   # more repetitions
#
# Installs bench/'s npm packages with `npm ci`, builds the C++ fixture in Release if needed,
# raises the open-file limit when it can, then runs bench/bench.mjs. Everything listens on
# 127.0.0.1 only. Needs node >= 20, npm, cmake, ninja and a C++20 compiler (scripts/test.sh
# installs them on Debian 12).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

args=("$@")
out_args=()
for a in "$@"; do
  if [[ "$a" == "--quick" ]]; then
    out_args=(--out "$here/.work/RESULTS-quick.md" --reps 1)
  fi
done

for tool in node npm cmake ninja; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found" >&2; exit 1; }
done

echo "== npm ci (bench/)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

bin="$repo/build/release/examples/socketio-fixture-server"
echo "== C++ fixture (Release)"
if [[ ! -f "$repo/build/release/build.ninja" ]]; then
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
# Ninja rebuilds only what changed; a no-op when the binary is up to date.
cmake --build build/release --target socketio-fixture-server

# 10,000 connections need more than 10,000 descriptors in the server and in the generator.
want=65536
soft="$(ulimit -Sn)"
if [[ "$soft" != "unlimited" && "$soft" -lt "$want" ]]; then
  ulimit -Sn "$want" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
fi
echo "== open-file limit: $(ulimit -Sn)"

mkdir -p "$here/.work"
echo "== benchmarks"
BENCH_COMMAND="bash bench/run.sh${args[*]:+ ${args[*]}}" \
  node "$here/bench.mjs" --cpp-bin "$bin" "${out_args[@]}" "$@"
