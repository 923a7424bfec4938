#!/usr/bin/env bash
# `make fuzz` / `make fuzz-replay` (fuzz/README.md).
#   tools/fuzz.sh run SECONDS HARNESS...   mutate each harness's corpus for SECONDS, one at a time;
#                                           new inputs go to build-fuzz/corpus/<harness>/, crashes to
#                                           build-fuzz/crashes/<harness>/; prints execs and cov.
#   tools/fuzz.sh replay 0 HARNESS...       run every file of fuzz/corpus/<harness>/ once, no mutation.
# fuzz/known/ (inputs that still crash, listed in fuzz/FINDINGS.md) is never replayed.
set -uo pipefail
mode=$1 seconds=$2; shift 2
build=${FUZZ_BUILD:-build-fuzz}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# The readers run single-threaded here: one harness at a time on a shared machine.
export OMP_NUM_THREADS=1
failed=0
for h in "$@"; do
  bin=$build/fuzz/fuzz_$h seeds=fuzz/corpus/$h log=$build/fuzz/$h.log
  if [ "$mode" = replay ]; then
    if "$bin" -runs=0 "$seeds" >"$log" 2>&1; then
      echo "fuzz-replay $h: $(ls "$seeds" | wc -l) inputs ok"
    else
      echo "fuzz-replay $h: FAILED (log $log):"; tail -n 30 "$log"; failed=1
    fi
  else
    mkdir -p "$build/corpus/$h" "$build/crashes/$h"
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/crashes/$h/" "$build/corpus/$h" "$seeds" >"$log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz $h: ${execs:-?} executions, last status: ${last:-none}"
    if [ $rc -ne 0 ]; then
      echo "fuzz $h: FOUND a crash (rc $rc), artifacts in $build/crashes/$h/, log $log:"
      grep -E 'ERROR|SUMMARY|terminate|what\(\)|runtime error' "$log" | head -n 5; failed=1
    fi
  fi
done
exit $failed
