#!/usr/bin/env bash
# Builds the standalone native unit tests (test/native/*_test.cc) under
# AddressSanitizer + UndefinedBehaviorSanitizer and runs them.
#
#   bash test/native/run.sh            # every test
#   bash test/native/run.sh codec      # only tests whose file name contains "codec"
#
# They are targets of the root CMakeLists.txt (test/native/CMakeLists.txt),
# built through cmake-js into build/asan (shared with the sanitizer addon of
# npm run test:asan: same flags, the core compiled once) and linked against
# the sanitized core library, from which each test takes what it uses.
#
# Environment: CXX (default g++), NATIVE_TEST_TIMEOUT (seconds per test,
# default 240). Exits non-zero if any test fails to build, fails, or prints a
# sanitizer report.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
CXX="${CXX:-g++}"
BUILD="build/asan"
TIMEOUT="${NATIVE_TEST_TIMEOUT:-240}"

# halt on the first UBSan report; LeakSanitizer is on by default with ASan.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

shopt -s nullglob
tests=(test/native/*_test.cc)
if (($# > 0)); then
  selected=()
  for t in "${tests[@]}"; do
    for want in "$@"; do
      if [[ "$(basename "$t")" == *"$want"* ]]; then selected+=("$t"); break; fi
    done
  done
  tests=("${selected[@]}")
fi
if ((${#tests[@]} == 0)); then
  echo "run.sh: no tests found" >&2
  exit 1
fi

# The build runs without a preloaded sanitizer runtime (test:asan sets one).
if ! env -u LD_PRELOAD bash scripts/cmake-js.sh "$BUILD" native_tests --cxx "$CXX"; then
  echo "native tests: build failed" >&2
  exit 1
fi

passed=0
failed=()
for test in "${tests[@]}"; do
  name="$(basename "$test" .cc)"
  echo "=== $name"
  log="$BUILD/native/$name.log"
  runner=()
  if command -v timeout >/dev/null 2>&1; then runner=(timeout "$TIMEOUT"); fi
  "${runner[@]}" "$BUILD/native/$name" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # Sanitizers normally make the exit status non-zero; the grep is a backstop
  # for reports that do not (e.g. a custom *SAN_OPTIONS with recovery).
  if ((status != 0)); then
    failed+=("$name (exit $status)")
  elif grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$log"; then
    failed+=("$name (sanitizer report)")
  else
    passed=$((passed + 1))
  fi
done

echo
echo "native tests: $passed passed, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  FAILED: $f"; done
((${#failed[@]} == 0))
