#!/usr/bin/env bash
# Builds and runs the standalone native unit tests (test/native/*_test.cc)
# under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   bash test/native/run.sh            # every test
#   bash test/native/run.sh codec      # only tests whose file name contains "codec"
#
# Each test is linked with the sources it needs. A test declares them in its
# leading comment block (paths/globs relative to the repository root):
#   // sources: native/core/codec/*.cc native/core/listener.cc
#   // flags: -pthread              (optional extra compiler/linker arguments)
# Without a "sources:" line it gets every native/core/codec/*.cc plus
# native/core/socket_options.cc and native/core/listener.cc when they exist.
#
# Environment: CXX (default g++), NATIVE_TEST_CXXFLAGS (appended to the
# compiler flags, e.g. -Werror), NATIVE_TEST_TIMEOUT (seconds per test, default 240).
# Exits non-zero if any test fails to build, fails, or prints a sanitizer report.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
CXX="${CXX:-g++}"
BUILD="$ROOT/build/native-tests"
TIMEOUT="${NATIVE_TEST_TIMEOUT:-240}"
mkdir -p "$BUILD"

CXXFLAGS=(-std=c++17 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
          -fno-sanitize-recover=all -Wall -Wextra -I native -I native/core)
# shellcheck disable=SC2206  # word splitting intended
EXTRA=(${NATIVE_TEST_CXXFLAGS:-})

# halt on the first UBSan report; LeakSanitizer is on by default with ASan.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "run.sh: compiler '$CXX' not found" >&2
  exit 1
fi

# Prints the value of "// <key>: ..." from the test's leading // comment block.
header_value() {
  local file="$1" key="$2" line
  while IFS= read -r line; do
    [[ "$line" == //* ]] || break
    if [[ "$line" =~ ^//[[:space:]]*${key}:[[:space:]]*(.*)$ ]]; then
      printf '%s\n' "${BASH_REMATCH[1]}"
      return 0
    fi
  done <"$file"
  return 1
}

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

passed=0
failed=()
for test in "${tests[@]}"; do
  name="$(basename "$test" .cc)"
  if spec="$(header_value "$test" sources)"; then
    patterns=()
    read -r -a patterns <<<"$spec"
  else
    patterns=(native/core/codec/*.cc native/core/socket_options.cc native/core/listener.cc)
  fi
  # Expand globs (nullglob: an unmatched glob is nothing); a plain path that is
  # missing is an error only when the test asked for it explicitly.
  sources=()
  missing=0
  for pat in "${patterns[@]}"; do
    if [[ "$pat" == *[*?[]* ]]; then
      # shellcheck disable=SC2206  # glob expansion intended
      matches=($pat)
      sources+=("${matches[@]}")
    elif [[ -f "$pat" ]]; then
      sources+=("$pat")
    elif [[ -n "${spec:-}" ]]; then
      echo "run.sh: $test: source '$pat' not found" >&2
      missing=1
    fi
  done
  flags=()
  if fl="$(header_value "$test" flags)"; then read -r -a flags <<<"$fl"; fi
  unset spec

  echo "=== $name"
  if ((missing)); then failed+=("$name (missing sources)"); continue; fi
  if ! "$CXX" "${CXXFLAGS[@]}" "${EXTRA[@]}" -o "$BUILD/$name" "$test" "${sources[@]}" "${flags[@]}"; then
    failed+=("$name (build)")
    continue
  fi
  log="$BUILD/$name.log"
  runner=()
  if command -v timeout >/dev/null 2>&1; then runner=(timeout "$TIMEOUT"); fi
  "${runner[@]}" "$BUILD/$name" 2>&1 | tee "$log"
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
