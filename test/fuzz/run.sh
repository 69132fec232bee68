#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz/CMakeLists.txt via the root
# CMakeLists.txt and cmake-js, clang + ASan + UBSan)
# and runs each for a bounded time, starting from the committed seeds
# (corpus/<target>/) and every past finding (regressions/<target>/).
#
#   npm run fuzz                         # every target, 60 s each
#   npm run fuzz -- --time 20            # CI's short pass
#   npm run fuzz -- --replay             # only re-run seeds + regressions (seconds)
#   npm run fuzz -- length delimiter     # targets whose name contains a word
#   (npm run fuzz:long: an execution budget per target, corpus minimised; long.sh)
#
# Environment: FUZZ_TIME (seconds per target, default 60), FUZZ_MAX_LEN
# (largest input, default 4096). New coverage-increasing inputs go to
# build/fuzz/corpus/<target>/ (kept between local runs, never committed
# automatically); a crash or broken property leaves the input in
# build/fuzz/artifacts/<target>/: copy it to regressions/<target>/ with a
# descriptive name, fix the bug, and it is replayed on every run from then on.
# Prints one line per target (executions, rate, corpus, findings) and writes
# them to build/fuzz/summary.txt. Exits non-zero on any finding.
set -uo pipefail

# shellcheck source=test/fuzz/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TIME="${FUZZ_TIME:-60}"
MAX_LEN="${FUZZ_MAX_LEN:-4096}"
REPLAY=0
filters=()
while (($#)); do
  case "$1" in
    --time) TIME="$2"; shift 2 ;;
    --time=*) TIME="${1#--time=}"; shift ;;
    --replay) REPLAY=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) filters+=("$1"); shift ;;
  esac
done
[[ "$TIME" =~ ^[0-9]+$ ]] || { echo "fuzz: --time wants whole seconds, got '$TIME'" >&2; exit 2; }

fuzz_build
fuzz_targets "${filters[@]}"

summary="$BUILD/summary.txt"
: >"$summary"
printf '%-18s %12s %10s %8s %s\n' target executions exec/s corpus findings | tee -a "$summary"
failed=0
for name in "${targets[@]}"; do
  bin="$BUILD/fuzz_$name"
  seeds="$HERE/corpus/$name"
  regressions="$HERE/regressions/$name"
  work="$BUILD/corpus/$name"
  artifacts="$BUILD/artifacts/$name/"
  mkdir -p "$work" "$artifacts" "$seeds" "$regressions"
  log="$BUILD/$name.log"
  start=$(date +%s)
  if ((REPLAY)); then
    inputs=("$seeds"/* "$regressions"/*)
    if ((${#inputs[@]})); then "$bin" "${inputs[@]}" >"$log" 2>&1; else : >"$log"; fi
    status=$?
    execs=${#inputs[@]}
  else
    "$bin" "$work" "$seeds" "$regressions" -max_total_time="$TIME" -max_len="$MAX_LEN" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1
    status=$?
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    execs=${execs:-$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')}
  fi
  secs=$(( $(date +%s) - start ))
  ((secs > 0)) || secs=1
  corpus=$(find "$work" "$seeds" "$regressions" -type f | wc -l)
  if ((status != 0)); then
    failed=1
    found=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    finding="FOUND (exit $status) ${found:-see $log}"
  else
    finding=0
  fi
  printf '%-18s %12s %10s %8s %s\n' "$name" "${execs:-0}" "$(( ${execs:-0} / secs ))" "$corpus" "$finding" | tee -a "$summary"
  if ((status != 0)); then
    grep -E 'property failed|ERROR: |SUMMARY|runtime error' "$log" | head -5 | sed 's/^/    /'
  fi
done
if ((failed)); then
  echo "fuzz: findings above; logs in $BUILD/<target>.log. Copy each input to $HERE/regressions/<target>/." >&2
fi
exit "$failed"
