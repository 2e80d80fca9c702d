#!/bin/sh
# test_threads.sh: 32 threads that free each other's blocks (stress_threads):
# the same output and status under leakscope in both modes, consistent
# totals, and full mode's four leak numbers those of memcheck (32 blocks
# definitely lost, 32 still reachable).
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"
stress_same threads -- "$PROGS/stress_threads"
[ $plain_rc -eq 0 ] || fail "stress_threads failed alone: $(cat "$T/threads.plain.out")"
[ "$(stress_reports threads full | wc -l)" -eq 1 ] || fail "want one full-mode report: $(stress_reports threads full)"
got=$(stress_checked threads full) || exit 1
stress_checked threads sample >/dev/null || exit 1
want=$(stress_memcheck "$PROGS/stress_threads") || exit 1
echo "leakscope: $got"
echo "memcheck:  $want"
[ "${got% * *}" = "$want" ] || fail "leak numbers: leakscope [$got], memcheck [$want]"
stress_totals_verdict
