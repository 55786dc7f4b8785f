#!/usr/bin/env bash
# Installs dependencies, then builds and runs every test twice: a release build with warnings
# as errors, and an ASan+UBSan build. Also checks formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

bash scripts/install-deps.sh
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)

echo "== format check"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

build() {  # build <dir> <extra cmake args...>
  local dir=$1
  shift
  cmake -S "$root" -B "$dir" -G Ninja -DSOCKETIO_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

echo "== release build and tests"
build build/release -DCMAKE_BUILD_TYPE=Release
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== ASan+UBSan build and tests"
build build/asan -DCMAKE_BUILD_TYPE=Debug -DSOCKETIO_SANITIZE=address,undefined
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "== all tests passed"
