#!/usr/bin/env bash
# Installs dependencies, builds, and starts the example server on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target socketio-fixture-server
exec build/release/examples/socketio-fixture-server --port 3000 --ping-interval 25000 --ping-timeout 20000
