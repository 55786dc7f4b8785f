#!/usr/bin/env bash
# Installs dependencies, then builds and runs every test twice: a release build with warnings
# as errors, and an ASan+UBSan build. Also checks formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

bash scripts/install-deps.sh --browser
for dir in tests/e2e tests/browser examples/chat; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done

echo "== format check"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

build() {  # build <dir> <cmake args...> [--target <targets...>]
  local dir=$1
  shift
  local configure=() targets=()
  while (($#)); do
    if [ "$1" = --target ]; then
      shift
      targets=("$@")
      break
    fi
    configure+=("$1")
    shift
  done
  cmake -S "$root" -B "$dir" -G Ninja -DSOCKETIO_WERROR=ON "${configure[@]}" >/dev/null
  if ((${#targets[@]})); then
    cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
  else
    cmake --build "$dir" -j "$jobs"
  fi
}

echo "== release build and tests"
build build/release -DCMAKE_BUILD_TYPE=Release
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== install, and build a consumer project against the installed package"
rm -rf build/install build/consumer build/consumer-subdir build/consumer-pkg-config \
  build/package-components build/package-components-unknown
cmake --install build/release --prefix "$root/build/install" >/dev/null
# The installed CMake and pkg-config files name no build or source tree path.
if grep -rlF "$root" build/install/lib/cmake/socketio build/install/lib/pkgconfig; then
  echo "installed package files name a path of the build tree" >&2
  exit 1
fi
# Components: known, unknown, optional, none (configure-time checks only).
cmake -S tests/package-components -B build/package-components \
  -DCMAKE_PREFIX_PATH="$root/build/install" >/dev/null
if cmake -S tests/package-components -B build/package-components-unknown -DREQUIRE_UNKNOWN=ON \
  -DCMAKE_PREFIX_PATH="$root/build/install" >build/package-components-unknown.log 2>&1 ||
  ! grep -q "unknown socketio component(s): bogus" build/package-components-unknown.log; then
  cat build/package-components-unknown.log >&2
  echo "find_package(socketio REQUIRED COMPONENTS bogus) did not fail clearly" >&2
  exit 1
fi
cmake -S tests/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$root/build/install" >/dev/null
cmake --build build/consumer -j "$jobs"
build/consumer/consumer
# The same program with pkg-config instead of CMake (the headers need C++20: the .pc files
# leave -std to the user).
mkdir -p build/consumer-pkg-config
# shellcheck disable=SC2046  # pkg-config's output is a list of flags
g++ -std=c++20 -o build/consumer-pkg-config/consumer tests/consumer/main.cpp \
  $(PKG_CONFIG_PATH="$root/build/install/lib/pkgconfig" pkg-config --cflags --libs socketio-redis)
build/consumer-pkg-config/consumer
# The library built from source inside another project (add_subdirectory).
echo "== add_subdirectory consumer"
# (Same build type and flags as build/release, so ccache serves most of it.)
cmake -S tests/consumer-subdir -B build/consumer-subdir -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSOCKETIO_WERROR=ON >/dev/null
cmake --build build/consumer-subdir -j "$jobs"
build/consumer-subdir/consumer
# A user-written adapter from the installed headers, driven by socket.io-client.
(cd tests/consumer &&
  CUSTOM_ADAPTER_SERVER="$root/build/consumer/custom_adapter_server" \
  node --test --test-concurrency=1 custom-adapter.test.mjs)

echo "== ASan+UBSan build and tests"
build build/asan -DCMAKE_BUILD_TYPE=Debug -DSOCKETIO_SANITIZE=address,undefined
# Everything but the browser suite (Chromium against a sanitized chat is slow and adds no
# library path the other suites miss); the cluster suite with C++ nodes only and mixed with a
# Node node (the Node-majority mix runs in the release stage).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  SOCKETIO_SANITIZED=1 CLUSTER_MATRIX="cpp,cpp,cpp cpp,node,cpp" \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" -E '^browser$'


echo "== ThreadSanitizer: every multi-threaded e2e file (2-4 I/O threads and lanes, emits and engine::socket calls from other threads)"
build build/tsan -DCMAKE_BUILD_TYPE=Debug -DSOCKETIO_SANITIZE=thread -DSOCKETIO_BUILD_TESTS=ON \
  --target socketio-fixture-server socketio-api-server
(cd tests/e2e &&
  TSAN_OPTIONS=halt_on_error=1 \
  FIXTURE_SERVER="$root/build/tsan/examples/socketio-fixture-server --threads 4" \
  API_SERVER="$root/build/tsan/tests/socketio-api-server" \
  node --test --test-concurrency=1 api-threads.test.mjs api-engine-threads.test.mjs \
    sio-concurrency.test.mjs sio-rooms.test.mjs sio-lanes.test.mjs concurrency.test.mjs \
    api-attach.test.mjs admission.test.mjs drain.test.mjs)
# The same fixture over TLS: handshakes, encrypted reads and writes hop between the
# connection's strand and the lanes.
(cd tests/e2e &&
  TSAN_OPTIONS=halt_on_error=1 SOCKETIO_E2E_TLS=1 \
  FIXTURE_SERVER="$root/build/tsan/examples/socketio-fixture-server --threads 4" \
  node --test --test-concurrency=1 sio-rooms.test.mjs sio-lanes.test.mjs websocket.test.mjs \
    upgrade.test.mjs)
(cd tests/e2e &&
  TSAN_OPTIONS=halt_on_error=1 \
  FIXTURE_SERVER="$root/build/tsan/examples/socketio-fixture-server --threads 4" \
  node --test --test-concurrency=1 tls.test.mjs)

echo "== fuzzing: every network parser and the HTTP request path, 30 s each, two at a time (libFuzzer + ASan + UBSan)"
cmake -S "$root" -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSOCKETIO_FUZZ=ON -DSOCKETIO_BUILD_TESTS=OFF -DSOCKETIO_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/fuzz -j "$jobs" --target ws_frame_fuzz eio_payload_fuzz sio_decoder_fuzz \
  redis_wire_fuzz resp_reader_fuzz msgpack_fuzz json_text_fuzz http_request_fuzz
# Each starts from its committed corpus (tests/fuzz/corpus, made by tests/fuzz/make_corpus.sh);
# a failure prints the report and the reproducer (hex and base64).
scripts/fuzz.sh build/fuzz 30 2

echo "== all tests passed"
