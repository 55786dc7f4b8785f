#!/usr/bin/env bash
# Runs run.sh once per entry of CLUSTER_MATRIX (space separated CLUSTER_NODES values; default:
# three C++ nodes, then two mixes with the Node reference), each in both adapter modes.
# Needs FIXTURE_SERVER (the C++ fixture server). Stops at the first failing entry.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${FIXTURE_SERVER:?FIXTURE_SERVER must name the C++ fixture server}"
for nodes in ${CLUSTER_MATRIX:-cpp,cpp,cpp cpp,node,cpp node,cpp,node}; do
  echo "=== CLUSTER_NODES=$nodes"
  CLUSTER_NODES="$nodes" "$here/run.sh" "$@"
done
