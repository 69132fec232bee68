# Shared by test/fuzz/run.sh and test/fuzz/long.sh (sourced, not run): builds
# the libFuzzer targets (test/fuzz/CMakeLists.txt via the root CMakeLists.txt
# and cmake-js, clang + ASan + UBSan) into
# build/fuzz and lists them. A target is any test/fuzz/targets/<name>.cc: a new
# parser joins both scripts, CI's short pass and the long runs by adding that
# one file (plus seeds in corpus/<name>/, usually written by make-seeds.js).
#
# Sets: ROOT HERE BUILD, targets (names matching the filter words in $@), and
# the sanitizer options that make any report fail the run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
HERE="test/fuzz"
BUILD="build/fuzz"

fuzz_build() {
  local tool
  for tool in clang clang++ cmake; do
    command -v "$tool" >/dev/null || { echo "fuzz: $tool not found: run scripts/setup-system.sh" >&2; exit 1; }
  done
  # The root CMakeLists.txt with RINGNET_FUZZ=ON, through cmake-js like the
  # other native builds (output in $BUILD/cmake-js.log, printed on failure).
  bash scripts/cmake-js.sh "$BUILD" all --cc clang --cxx clang++ --CDRINGNET_FUZZ=ON || exit 1
}

# fuzz_targets word...: fills `targets` with the names containing any word (all without words).
fuzz_targets() {
  shopt -s nullglob
  targets=()
  local src name f keep
  for src in "$HERE"/targets/*.cc; do
    name="$(basename "$src" .cc)"
    if (($#)); then
      keep=0
      for f in "$@"; do [[ "$name" == *"$f"* ]] && keep=1; done
      ((keep)) || continue
    fi
    targets+=("$name")
  done
  ((${#targets[@]})) || { echo "fuzz: no target matches $*" >&2; exit 2; }
}

# Sanitizer reports must fail the run; abort so libFuzzer saves the input.
# Allocation stacks of 8 frames and a 16 MiB quarantine (defaults 30 and 256):
# ~25% more executions per CPU second measured on raw_codec, use-after-free of
# recent allocations still caught.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:malloc_context_size=8:quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
