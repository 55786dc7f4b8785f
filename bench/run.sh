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

args=("$@")

# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_check_tools bench/run.sh node npm cmake ninja taskset
bench_npm_ci
bench_build
bench_raise_open_files

echo "== benchmarks"
BENCH_COMMAND="bash bench/run.sh${args[*]:+ ${args[*]}}" \
  node "$bench_dir/bench.mjs" --cpp-bin "$bench_fixture" --loadgen-bin "$bench_loadgen" "$@"
