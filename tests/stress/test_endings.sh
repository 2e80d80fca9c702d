#!/bin/sh
# test_endings.sh: a program that leaks, then ends by returning from main,
# exit, _exit, abort, SIGTERM, SIGSEGV or exit from a second thread
# (stress_endings): the same output and status in both modes (a fatal
# signal kills it with the same signal), one consistent report with the
# exit status and the signal, and full mode's leak numbers those of
# memcheck.
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"
for how in return exit _exit abort sigterm sigsegv thread-exit; do
  stress_same "$how" -- "$PROGS/stress_endings" "$how"
  case $how in
    return) want_rc=0 ;; exit) want_rc=3 ;; _exit) want_rc=5 ;; thread-exit) want_rc=7 ;;
    abort) want_rc=134 ;; sigterm) want_rc=143 ;; sigsegv) want_rc=139 ;;
  esac
  [ $plain_rc -eq $want_rc ] || fail "$how alone: exit $plain_rc, want $want_rc"
  [ "$(stress_reports "$how" full | wc -l)" -eq 1 ] || fail "$how: want one full-mode report: $(ls "$T/$how.full")"
  [ "$(stress_reports "$how" sample | wc -l)" -eq 1 ] || fail "$how: want one sample-mode report"
  stress_checked "$how" sample >/dev/null || exit 1
  got=$(stress_checked "$how" full) || exit 1
  set -- $got
  want_sig=0
  [ $want_rc -gt 128 ] && want_sig=$((want_rc - 128))
  [ "$9 ${10}" = "$want_rc $want_sig" ] || fail "$how: the report's exit status and signal: $9 ${10}, want $want_rc $want_sig"
  want=$(stress_memcheck "$PROGS/stress_endings" "$how") || exit 1
  echo "$how: leakscope [$got] memcheck [$want]"
  [ "${got% * *}" = "$want" ] || fail "$how: leak numbers: leakscope [$got], memcheck [$want]"
done
stress_totals_verdict
