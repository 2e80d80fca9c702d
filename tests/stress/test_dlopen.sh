#!/bin/sh
# test_dlopen.sh: 4 threads dlopen and dlclose a library that allocates in
# its constructor, frees in its destructor and leaks 32 bytes per call
# (stress_dlopen): the same output and status in both modes, consistent
# totals, and full mode's leak numbers those of memcheck (800 blocks of 32
# bytes definitely lost, every constructor's block freed).
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"
stress_same dlopen -- "$PROGS/stress_dlopen" 200
[ $plain_rc -eq 0 ] || fail "stress_dlopen failed alone: $(cat "$T/dlopen.plain.out")"
got=$(stress_checked dlopen full) || exit 1
stress_checked dlopen sample >/dev/null || exit 1
want=$(stress_memcheck "$PROGS/stress_dlopen" 200) || exit 1
echo "leakscope: $got"
echo "memcheck:  $want"
[ "${got% * *}" = "$want" ] || fail "leak numbers: leakscope [$got], memcheck [$want]"
stress_totals_verdict
