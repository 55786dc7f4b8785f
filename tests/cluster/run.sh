#!/usr/bin/env bash
# Runs the cluster suite: every scenario in each adapter mode, against the nodes
# listed in CLUSTER_NODES (default node,node,node; `cpp` = the command in
# FIXTURE_SERVER). Extra arguments go to `node --test` (e.g. --test-name-pattern).
# Needs redis-server (>= 7 for sharded mode) and tests/e2e/node_modules (npm ci).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ ! -d ../e2e/node_modules/@socket.io/redis-adapter ]]; then
  (cd ../e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
if [[ ",${CLUSTER_NODES:-node,node,node}," == *",cpp,"* && -z "${FIXTURE_SERVER:-}" ]]; then
  echo "run.sh: CLUSTER_NODES contains cpp but FIXTURE_SERVER is not set" >&2
  exit 2
fi

# The two files run in parallel; each starts its own redis-server and nodes.
exec node --test --test-concurrency="${CLUSTER_CONCURRENCY:-2}" "$@" \
  single-node.test.mjs scenarios.test.mjs flags.test.mjs faults.test.mjs
