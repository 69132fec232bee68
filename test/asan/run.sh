#!/usr/bin/env bash
# npm run test:asan: builds the addon with AddressSanitizer + UBSan
# (the root CMakeLists.txt via cmake-js -> build/asan/ringnet.node, build/Release
# is left alone), compiles the TypeScript, and runs the vitest suite against that build
# (both backends: test/support/variants.ts) with the sanitizer runtime
# preloaded into every Node process, vitest's forks and the fixtures they spawn.
#
#   npm run test:asan                      # whole suite
#   npm run test:asan -- test/limits.test.ts
#
# Sanitizer reports are written to build/asan/reports/ (one file per process);
# the run fails if any appears, even if the tests passed. Leak checking of the
# whole Node process is off (V8 and Node keep allocations until exit by
# design); leaks are checked natively: test/native/server_cycle_test.cc.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
BUILD="build/asan"
CXX="${CXX:-g++}"

# The root CMakeLists.txt through cmake-js (Node-API headers from
# node-api-headers and node-addon-api): build/asan/ringnet.node.
bash scripts/cmake-js.sh "$BUILD" ringnet --cxx "$CXX" || exit 1
npx tsc -p tsconfig.json || exit 1

runtime="$("$CXX" -print-file-name=libasan.so)"
[ -f "$runtime" ] || { echo "test:asan: no ASan runtime for $CXX ($runtime)" >&2; exit 1; }

reports="$ROOT/$BUILD/reports"
rm -rf "$reports"
mkdir -p "$reports"
export RINGNET_ADDON_PATH="$ROOT/$BUILD/ringnet.node"
export LD_PRELOAD="$runtime"
# detect_leaks=0: see above. allow_user_segv_handler: Node installs its own
# SIGSEGV handler (wasm). quarantine_size_mb=4: freed memory is reused sooner
# than ASan's default (256 MB), so the suites' RSS bounds (backpressure) hold;
# use-after-free is still caught within the last 4 MB freed.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$reports/asan:allow_user_segv_handler=1:quarantine_size_mb=4"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"

start=$(date +%s)
npx vitest run "$@"
status=$?
echo "test:asan: vitest exit $status in $(( $(date +%s) - start )) s"

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "test:asan: ${#found[@]} sanitizer report(s):" >&2
  for f in "${found[@]}"; do echo "--- $f" >&2; head -40 "$f" >&2; done
  exit 1
fi
echo "test:asan: no sanitizer reports"
exit "$status"
