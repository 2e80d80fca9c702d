#!/bin/sh
# test_signal_malloc.sh: a timer signal whose handler allocates interrupts
# a loop of malloc and free (stress_signal), ten times in each mode: under
# leakscope the program runs as alone (no crash, no deadlock, the same
# output, status and stderr) and its reports are consistent; memcheck finds
# the handler's one 400-byte leak, and so must full mode every time, with
# the handler's stack.  Most signals land inside the agent (docs/LIMITS.md,
# "Signal handlers that allocate"): in full mode the handler's calls are then nested in the
# agent's and must still be recorded as the program's; in sample mode a
# sampled block comes from memalign, inside glibc's arena, which a handler
# that allocates would re-enter (heap corruption or a deadlock) unless the
# agent holds signals back there, and again while a sampled block is freed
# or reallocated: its chunk's free may take the arena lock where the
# program's own block would have gone to the thread cache.  Sample mode
# samples every 16 KiB on average, so that the loop frees sampled blocks
# often (at the default 512 KiB a missing hold hung about 1 run in 10).
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"
"$PROGS/stress_signal" >"$T/plain.out" 2>&1 || fail "stress_signal failed alone: $(cat "$T/plain.out")"
[ "$(cat "$T/plain.out")" = handled ] || fail "stress_signal alone: $(cat "$T/plain.out")"
want=$(stress_memcheck "$PROGS/stress_signal") || exit 1
[ "$want" = "400 1 0 0 0 0 0 0" ] || fail "memcheck: $want, want 400 bytes in 1 block"
for i in 1 2 3 4 5 6 7 8 9 10; do
  timeout -k 5 60 "$LEAKSCOPE" run --quiet --report "$T/r.$i.json" -- "$PROGS/stress_signal" >"$T/full.out" 2>"$T/full.err" ||
    fail "full mode, run $i: exit $?: $(tail -n 3 "$T/full.err")"
  cmp -s "$T/plain.out" "$T/full.out" || fail "full mode, run $i: stdout $(cat "$T/full.out")"
  [ ! -s "$T/full.err" ] || fail "full mode, run $i: stderr $(cat "$T/full.err")"
  got=$(stress_check_files "full mode, run $i" "$T/r.$i.json") || exit 1
  [ "$got" = "400 1 0 0 0 0 0 0 0 0" ] || fail "full mode, run $i: leaks $got, want 400 bytes in 1 block"
  top=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["records"][0]["stack"][0].get("function", "?"))' \
    "$T/r.$i.json") || fail "full mode, run $i: no leak record"
  [ "$top" = on_alarm ] || fail "full mode, run $i: the leak's stack starts at $top, want on_alarm"
  timeout -k 5 60 "$LEAKSCOPE" run --quiet --sample=16K --report "$T/s.$i.json" -- "$PROGS/stress_signal" \
    >"$T/sample.out" 2>"$T/sample.err"
  rc=$?
  [ $rc -eq 0 ] || fail "sample mode, run $i: exit $rc: $(head -n 2 "$T/sample.err")"
  cmp -s "$T/plain.out" "$T/sample.out" || fail "sample mode, run $i: stdout $(cat "$T/sample.out")"
  [ ! -s "$T/sample.err" ] || fail "sample mode, run $i: stderr $(cat "$T/sample.err")"
  stress_check_files "sample mode, run $i" "$T/s.$i.json" >/dev/null || exit 1
done
stress_totals_verdict
