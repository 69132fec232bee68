#!/usr/bin/env bash
# Fuzz target speed, two builds compared: executions per CPU second (user +
# sys, so a shared machine's load moves it less than wall-clock exec/s) and
# the coverage each run reached, interleaved A/B per target and round.
#
#   bench/fuzz/speed.sh <build-dir A> <build-dir B> [rounds] [seconds] [target...]
#   e.g. bench/fuzz/speed.sh /tmp/before/build/fuzz build/fuzz 3 10
#
# Each run: fuzz_<t> <empty dir> test/fuzz/corpus/<t> -max_total_time=S
# -max_len=4096 -seed=<round> (startup, i.e. loading the seeds, included).
# Coverage is compared fairly by replaying both runs' corpora through B's
# binary (-runs=0: "INITED cov/ft"), since A may instrument different code.
# Prints one line per run and a median [min-max] summary per target; the load
# average is printed at the start and the end (report it beside the figures).
set -uo pipefail
A="$1"; B="$2"; ROUNDS="${3:-3}"; SECS="${4:-10}"; shift 4 2>/dev/null || shift $#
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:malloc_context_size=8:quarantine_size_mb=16}"
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$B"/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
cov_of() {  # cov ft of a corpus dir, measured with B's binary
  "$B/fuzz_$1" -runs=0 "$2" 2>&1 | grep -oE 'INITED cov: [0-9]+ ft: [0-9]+' | sed 's/INITED cov: //; s/ ft: / /'
}
declare -A rates
for t in "${targets[@]}"; do
  for ((r = 1; r <= ROUNDS; r++)); do
    for side in A B; do
      dir="$A"; [[ $side == B ]] && dir="$B"
      [[ -x "$dir/fuzz_$t" ]] || continue
      out="$work/$t-$side-$r"; rm -rf "$out"; mkdir -p "$out"
      log="$work/log"
      /usr/bin/time -f "%U %S" -o "$work/time" "$dir/fuzz_$t" "$out" "test/fuzz/corpus/$t" \
        -max_total_time="$SECS" -max_len=4096 -print_final_stats=1 -seed="$r" >"$log" 2>&1
      execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')
      cpu=$(awk '{print $1 + $2}' "$work/time")
      rate=$(awk -v e="${execs:-0}" -v c="$cpu" 'BEGIN { printf "%d", (c > 0 ? e / c : 0) }')
      # the run's corpus together with the seeds, through B's binary
      cp -r "test/fuzz/corpus/$t/." "$out/" 2>/dev/null
      cov=$(cov_of "$t" "$out")
      rates[$t-$side]+="$rate "
      printf '%-16s %s round %d: %8s execs %6.1f CPU s %7d exec/CPU s  cov ft %s\n' "$t" "$side" "$r" "${execs:-0}" "$cpu" "$rate" "$cov"
    done
  done
done
summ() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END { if (NR) printf "%d [%d-%d]", a[int((NR+1)/2)], a[1], a[NR] }'; }
echo "summary: exec per CPU second, median [min-max] of $ROUNDS rounds of ${SECS}s"
for t in "${targets[@]}"; do
  a=$(summ <<<"${rates[$t-A]:-}"); b=$(summ <<<"${rates[$t-B]:-}")
  printf '%-16s A %-24s B %-24s\n' "$t" "$a" "$b"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
