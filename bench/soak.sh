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

# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_check_tools bench/soak.sh node cmake ninja taskset
bench_build
bench_raise_open_files

echo "== soak"
SOAK_COMMAND="bash bench/soak.sh${*:+ $*}" \
  node "$bench_dir/soak.mjs" --cpp-bin "$bench_fixture" --loadgen-bin "$bench_loadgen" "$@"
