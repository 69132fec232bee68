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
# Updates docs/fuzz-long.md: one row per target (executions, exec/s, coverage,
# features, corpus, findings, when and under what load it ran); rows of
# targets not run this time and the "## Notes" section are kept, so targets
# can be run one at a time. Exits non-zero on any finding; a finding's input
# is in build/fuzz/artifacts/<t>/ (copy it to regressions/<t>/, as for npm run
# fuzz). CPU heavy: run it niced (nice -n 10 npm run fuzz:long) on a shared
# machine.
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
for name in "${targets[@]}"; do
  bin="$BUILD/fuzz_$name"
  seeds="$HERE/corpus/$name"
  regressions="$HERE/regressions/$name"
  kept="$BUILD/long/$name"
  artifacts="$BUILD/artifacts/$name/"
  log="$BUILD/long-$name.log"
  mkdir -p "$kept" "$artifacts" "$seeds" "$regressions"
  added=0
  t0=$(date +%s)
  when="$(date -u '+%Y-%m-%d %H:%M')"
  load0="$(cut -d' ' -f1 /proc/loadavg)"
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
  row="| $name | ${execs:-0} | $(( ${execs:-0} / secs )) | ${cov:-?} | ${ft:-?} | $corpus | ${added:-0} | $finding | $when, ${secs} s, load $load0-$(cut -d' ' -f1 /proc/loadavg) |"
  rows+=("$row")
  echo "$row"
done

# Rows of the targets not run now (same columns), and the notes, are kept.
kept_rows=()
notes=""
if [[ -f "$report" ]]; then
  while IFS= read -r line; do
    t="$(cut -d'|' -f2 <<<"$line" | tr -d ' ')"
    [[ "$t" == target || " ${targets[*]} " == *" $t "* ]] && continue
    kept_rows+=("$line")
  done < <(grep -E '^\| [a-z_]+ \|' "$report" | awk -F'|' 'NF == 11')
  notes="$(sed -n '/^## Notes/,$p' "$report")"
fi
{
  echo "# Long fuzzing runs (\`npm run fuzz:long\`)"
  echo
  echo "Each row is the last run of that target (test/fuzz/long.sh): libFuzzer + ASan + UBSan,"
  echo "-max_len=$MAX_LEN, from the kept corpus, the committed seeds and the regressions. Coverage"
  echo "is the library's edges and features (the harness is not instrumented). exec/s is wall-clock"
  echo "on a $(nproc)-CPU machine shared with other builds: it moves with the load (the 1-minute load"
  echo "average at the start and end of the target's run is in the last column); the execution"
  echo "count does not."
  echo
  echo "| target | executions | exec/s | coverage (edges) | features | kept corpus (minimised) | added to test/fuzz/corpus | findings | run (UTC), wall time, load |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${kept_rows[@]}" "${rows[@]}" | grep -v '^$' | sort
  if [[ -n "$notes" ]]; then
    echo
    echo "$notes"
  fi
} >"$report"
echo "fuzz:long: wrote $report"
exit "$failed"
