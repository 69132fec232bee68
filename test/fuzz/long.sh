#!/usr/bin/env bash
# Fuzzing at depth: each target runs for a budget of executions (not seconds,
# so runs compare across machines and loads), from its kept corpus, the
# committed seeds and every past finding. Between runs the corpus is
# minimised, and the committed corpus grows only by inputs that add coverage.
#
#   npm run fuzz:long                     # every target, 10 million executions each
#   npm run fuzz:long -- --runs 1000000   # a smaller budget
#   npm run fuzz:long -- http goim        # targets whose name contains a word
#   npm run fuzz:long -- --no-commit      # leave test/fuzz/corpus/ untouched
#
# Per target:
#   1. fuzz_<t> build/fuzz/long/<t> corpus/<t> regressions/<t> -runs=N
#      (build/fuzz/long/<t> is kept between runs: depth accumulates)
#   2. fuzz_<t> -merge=1 <fresh> build/fuzz/long/<t>: the kept corpus minimised
#      to the inputs that still add coverage, replacing it
#   3. fuzz_<t> -merge=1 corpus/<t> build/fuzz/long/<t>: the committed corpus
#      gains only inputs that add coverage beyond it (review, commit by hand)
# Writes docs/fuzz-long.md (executions, exec/s, coverage, features, corpus,
# findings per target, with the machine's load) and exits non-zero on any
# finding; a finding's input is in build/fuzz/artifacts/<t>/ (copy it to
# regressions/<t>/, as for npm run fuzz).
#
# Environment: FUZZ_RUNS (default 10000000), FUZZ_MAX_LEN (4096).
set -uo pipefail

# shellcheck source=test/fuzz/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RUNS="${FUZZ_RUNS:-10000000}"
MAX_LEN="${FUZZ_MAX_LEN:-4096}"
COMMIT=1
filters=()
while (($#)); do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#--runs=}"; shift ;;
    --no-commit) COMMIT=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) filters+=("$1"); shift ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ ]] || { echo "fuzz:long: --runs wants a count, got '$RUNS'" >&2; exit 2; }

fuzz_build
fuzz_targets "${filters[@]}"

report="docs/fuzz-long.md"
rows=()
failed=0
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${targets[@]}"; do
  bin="$BUILD/fuzz_$name"
  seeds="$HERE/corpus/$name"
  regressions="$HERE/regressions/$name"
  kept="$BUILD/long/$name"
  artifacts="$BUILD/artifacts/$name/"
  log="$BUILD/long-$name.log"
  mkdir -p "$kept" "$artifacts" "$seeds" "$regressions"
  t0=$(date +%s)
  "$bin" "$kept" "$seeds" "$regressions" -runs="$RUNS" -max_len="$MAX_LEN" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1
  status=$?
  secs=$(( $(date +%s) - t0 ))
  ((secs > 0)) || secs=1
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  done_line=$(grep -E '#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+')
  if ((status != 0)); then
    failed=1
    found=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    finding="FOUND: ${found:-see $log}"
  else
    finding="none"
    # Minimise the kept corpus (only inputs that still add coverage stay).
    fresh="$BUILD/long/$name.min"
    rm -rf "$fresh" && mkdir -p "$fresh"
    "$bin" -merge=1 "$fresh" "$kept" >"$BUILD/long-$name.merge.log" 2>&1 && rm -rf "$kept" && mv "$fresh" "$kept"
    if ((COMMIT)); then
      before=$(find "$seeds" -type f | wc -l)
      "$bin" -merge=1 "$seeds" "$kept" >>"$BUILD/long-$name.merge.log" 2>&1
      added=$(( $(find "$seeds" -type f | wc -l) - before ))
    fi
  fi
  corpus=$(find "$kept" -type f | wc -l)
  row="| $name | ${execs:-0} | $(( ${execs:-0} / secs )) | ${cov:-?} | ${ft:-?} | $corpus | ${added:-0} | $finding |"
  rows+=("$row")
  echo "$row"
done

{
  echo "# Long fuzzing runs (\`npm run fuzz:long\`)"
  echo
  echo "Last run: $started, budget $RUNS executions per target (-max_len=$MAX_LEN), libFuzzer + ASan + UBSan"
  echo "(test/fuzz/long.sh). Load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "($(nproc) CPUs, shared machine: exec/s moves with the load; the execution count does not)."
  echo
  echo "| target | executions | exec/s | coverage (edges) | features | kept corpus (minimised) | added to test/fuzz/corpus | findings |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$report"
echo "fuzz:long: wrote $report"
exit "$failed"
