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

# shellcheck source=bench/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
bench_check_tools bench/tls.sh node npm cmake ninja taskset openssl
bench_npm_ci
bench_build
bench_raise_open_files

echo "== TLS cost"
TLS_COMMAND="bash bench/tls.sh${*:+ $*}" \
  node "$bench_dir/tls.mjs" --cpp-bin "$bench_fixture" --loadgen-bin "$bench_loadgen" "$@"
