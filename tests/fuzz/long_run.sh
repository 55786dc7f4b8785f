#!/usr/bin/env bash
# A longer local run than CI's: each target for the given seconds (the HTTP path gets three
# times as long: it has the most code behind it), one after another at the lowest priority,
# from the committed corpus. Prints runs, time and coverage per target, as LONG_RUN.md records.
#
#   tests/fuzz/long_run.sh [fuzz-build-dir] [seconds-per-target] [target...]
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build/fuzz}
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(ws_frame_fuzz eio_payload_fuzz sio_decoder_fuzz redis_wire_fuzz resp_reader_fuzz
    msgpack_fuzz json_text_fuzz http_request_fuzz)
fi
work=$build/long-run
status=0
for target in "${targets[@]}"; do
  rm -rf "${work:?}/$target"
  time=$seconds
  [ "$target" = http_request_fuzz ] && time=$((seconds * 3))
  mkdir -p "$work/$target/new"
  nice -n 19 "$build/tests/fuzz/$target" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$target/" "$work/$target/new" \
    "tests/fuzz/corpus/$target" >"$work/$target/log" 2>&1 || status=1
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target/log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$target/log")
  start=$(grep -oE 'INITED cov: [0-9]+ ft: [0-9]+' "$work/$target/log" | head -n 1)
  end=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[bKM]?b?' "$work/$target/log" | tail -n 1)
  crashes=$(find "$work/$target" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
    -o -maxdepth 1 -name 'timeout-*' | wc -l)
  echo "| $target | $time s | $runs | $speed | ${start#INITED } | $end | $crashes |"
done
exit "$status"
