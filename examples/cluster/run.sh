#!/usr/bin/env bash
# Starts a private redis-server and two cluster nodes (C++), then waits for Ctrl-C.
#
#   bash examples/cluster/run.sh            # nodes on 127.0.0.1:3001 and :3002
#   bash examples/cluster/run.sh --sharded  # the sharded adapter (Redis >= 7)
#   bash examples/cluster/run.sh --demo     # also run demo.mjs against them, then stop
#
# Build first (cmake --build build/release). NODE_BIN overrides the node binary (default
# build/release/examples/socketio-cluster-node), CLUSTER_PORTS the two ports ("3001 3002"; "auto" picks free ones).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
node_bin="${NODE_BIN:-$repo/build/release/examples/socketio-cluster-node}"
mode=classic
demo=0
for a in "$@"; do
  case "$a" in
    --sharded) mode=sharded ;;
    --demo) demo=1 ;;
    *) echo "usage: run.sh [--sharded] [--demo]" >&2; exit 2 ;;
  esac
done
[ -x "$node_bin" ] || { echo "run.sh: $node_bin is not built" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "run.sh: redis-server not found" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT INT TERM

# Free ports: ask the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
redis-cli -p "$redis_port" ping >/dev/null || { cat "$work/redis.log"; exit 1; }
echo "redis-server on 127.0.0.1:$redis_port"

read -r -a ports <<<"${CLUSTER_PORTS:-3001 3002}"
[ "${ports[0]}" != auto ] || ports=("$(free_port)" "$(free_port)")
for port in "${ports[@]}"; do
  "$node_bin" --port "$port" --redis "redis://127.0.0.1:$redis_port" --redis-mode "$mode" &
  pids+=($!)
done

if ((demo)); then
  [ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  node "$here/demo.mjs" "${ports[@]}"
  exit $?
fi
echo "two nodes ($mode mode): http://127.0.0.1:${ports[0]} and http://127.0.0.1:${ports[1]} - Ctrl-C stops all"
wait
