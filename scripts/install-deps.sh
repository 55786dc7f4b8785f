#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian packages only. Idempotent.
# --browser also installs Chromium, for the browser tests (tests/browser). The openssl CLI makes
# the TLS tests' certificates.
set -euo pipefail

packages=(build-essential cmake ninja-build ccache pkg-config clang-format
          libboost-dev libboost-system-dev nlohmann-json3-dev libssl-dev openssl libgtest-dev
          libhiredis-dev libmimalloc-dev redis-server clang libclang-rt-14-dev
          python3 python3-socketio python3-engineio python3-websocket python3-requests)
if [ "${1:-}" = --browser ]; then packages+=(chromium); fi
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi
