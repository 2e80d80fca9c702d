#!/bin/sh
# test_fork.sh: forks while four threads allocate (stress_fork threads), and
# a storm of children that fork again (stress_fork storm), with and without
# --trace-children: the same output and status in both modes, no hang, one
# consistent report per process, each child's with its own exit status and
# its leak (77 bytes, or more: blocks the vanished threads held; the
# storm's 33 bytes exactly).
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"

stress_same threads -- "$PROGS/stress_fork" threads 20
[ $plain_rc -eq 0 ] || fail "stress_fork threads failed alone"
n=$(stress_reports threads full | wc -l)
[ "$n" -eq 21 ] || fail "fork from threads: $n full-mode reports, want 21 (the program and 20 children)"
[ "$(stress_reports threads sample | wc -l)" -eq 21 ] || fail "fork from threads: sample mode's reports"
stress_checked threads sample >/dev/null || exit 1
stress_checked threads full >"$T/threads.sum" || exit 1
# exit statuses: the program's 0, the children's k % 7 for k < 20
awk '{ print $9 }' "$T/threads.sum" | sort -n | tr '\n' ' ' >"$T/threads.codes"
want_codes=$(awk 'BEGIN { print 0; for (k = 0; k < 20; k++) print k % 7 }' | sort -n | tr '\n' ' ')
[ "$(cat "$T/threads.codes")" = "$want_codes" ] || fail "exit statuses in the reports: $(cat "$T/threads.codes"), want $want_codes"
short=$(awk '$9 != 0 && ($1 < 77 || $2 < 1)' "$T/threads.sum")
[ -z "$short" ] || fail "a child's 77-byte leak is missing: $short"

for flag in "" --trace-children; do
  stress_same storm $flag -- "$PROGS/stress_fork" storm 30
  [ $plain_rc -eq 0 ] || fail "stress_fork storm failed alone"
  stress_checked storm full >"$T/storm.sum" || exit 1
  stress_checked storm sample >/dev/null || exit 1
  [ "$(wc -l <"$T/storm.sum")" -eq 61 ] || fail "storm $flag: $(wc -l <"$T/storm.sum") reports, want 61"
  [ "$(grep -c '^33 1 0 0 0 0 0 0 0 0$' "$T/storm.sum")" -eq 60 ] ||
    fail "storm $flag: want 60 children with 33 bytes definitely lost: $(sort "$T/storm.sum" | uniq -c)"
done
stress_totals_verdict
