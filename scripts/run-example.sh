#!/usr/bin/env bash
# Installs dependencies (the socket.io client bundle from npm included), builds the chat
# example and starts it on http://127.0.0.1:3000 (prints the URL to open).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
(cd examples/chat && npm ci --no-audit --no-fund --loglevel=error)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target socketio-chat
exec build/release/examples/socketio-chat --host 127.0.0.1 --port 3000
