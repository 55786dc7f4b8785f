#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time, starting from its committed corpus
# (tests/fuzz/corpus/<target>/, read only: new inputs go to a scratch directory), a few at a
# time. When a target fails (a crash, a broken invariant, a leak, a timeout), prints its report
# and each reproducer as a hex dump and as base64, and exits non-zero.
#
#   scripts/fuzz.sh <fuzz-build-dir> [seconds-per-target] [targets at once]
#
# A reproducer can be replayed with: <fuzz-build-dir>/tests/fuzz/<target> <file>
# (`base64 -d > file` turns the printed base64 back into the file).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${1:?fuzz build directory}
seconds=${2:-20}
parallel=${3:-2}
targets=(ws_frame_fuzz eio_payload_fuzz sio_decoder_fuzz redis_wire_fuzz resp_reader_fuzz
  msgpack_fuzz json_text_fuzz http_request_fuzz)
work=$build/fuzz-run
rm -rf "$work"

run_target() {
  local target=$1 dir=$work/$1
  mkdir -p "$dir/new" "$dir/artifacts"
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/new" "tests/fuzz/corpus/$target" \
    >"$dir/log" 2>&1
  echo $? >"$dir/rc"
}

running=0
for target in "${targets[@]}"; do
  if ((running >= parallel)); then
    wait -n
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
wait

failed=0
for target in "${targets[@]}"; do
  dir=$work/$target
  rc=$(cat "$dir/rc")
  artifacts=("$dir"/artifacts/*)
  [ -e "${artifacts[0]}" ] || artifacts=()
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$dir/log" | tail -n 1)
  if [ "$rc" = 0 ] && ((${#artifacts[@]} == 0)); then
    echo "$target: ${runs:-?} runs in ${seconds} s, ${coverage:-no coverage line}"
    continue
  fi
  failed=1
  echo "== $target FAILED (exit status $rc); the fuzzer's report:"
  grep -v -E '^(#[0-9]+|INFO:|MERGE|Done [0-9])' "$dir/log" | tail -n 80
  for artifact in "${artifacts[@]}"; do
    echo "-- reproducer $(basename "$artifact") ($(stat -c %s "$artifact") bytes), hex:"
    od -A x -t x1z -v "$artifact" | head -n 64
    echo "-- base64:"
    base64 -w 0 "$artifact"
    echo
  done
done
exit "$failed"
