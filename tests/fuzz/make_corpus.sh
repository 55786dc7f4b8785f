#!/usr/bin/env bash
# Regenerates tests/fuzz/corpus/<target>/ from real traffic: capture_traffic.mjs records the
# npm clients against the fixture server, a real redis-server, and the Node Redis adapter's
# captured payloads; then each target's libFuzzer -merge=1 keeps the smallest set of those
# seeds that covers what all of them cover, plus the inputs in tests/fuzz/regressions/<target>/.
#
#   tests/fuzz/make_corpus.sh [release-build-dir] [fuzz-build-dir]
#
# Needs the release build (the fixture server), the fuzz build (clang, -DSOCKETIO_FUZZ=ON),
# tests/e2e/node_modules and redis-server. Existing corpus files are replaced.
set -euo pipefail
cd "$(dirname "$0")/../.."
release=${1:-build/release}
fuzz=${2:-build/fuzz}
targets=(ws_frame_fuzz eio_payload_fuzz sio_decoder_fuzz redis_wire_fuzz resp_reader_fuzz
  msgpack_fuzz json_text_fuzz http_request_fuzz)

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
node tests/fuzz/capture_traffic.mjs --fixture "$release/examples/socketio-fixture-server" \
  --redis-server "$(command -v redis-server)" --vectors tests/data/redis-adapter --out "$seeds"
for target in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$target
  rm -rf "$corpus"
  mkdir -p "$corpus"
  "$fuzz/tests/fuzz/$target" -merge=1 -rss_limit_mb=2048 "$corpus" "$seeds/$target" 2>&1 |
    grep -E '^MERGE-OUTER: [0-9]+ new files' || true
  # Inputs that once failed are kept whatever their coverage, so every run replays them.
  if [ -d "tests/fuzz/regressions/$target" ]; then
    cp "tests/fuzz/regressions/$target"/* "$corpus/"
  fi
done
du -sh tests/fuzz/corpus
