#!/bin/sh
# test_spawn.sh: posix_spawn from four threads at once (stress_spawn spawn)
# and an exec in the same process (stress_spawn exec), with and without
# --trace-children: the same output and status in both modes, no hang;
# without the flag only the program reports (and an exec leaves no report:
# the program that reports is gone), with it every child reports its
# 64-byte leak.
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"

stress_same spawn -- "$PROGS/stress_spawn" spawn 40
[ $plain_rc -eq 0 ] || fail "stress_spawn spawn failed alone: $(cat "$T/spawn.plain.out")"
stress_checked spawn full >"$T/spawn.sum" || exit 1
[ "$(cat "$T/spawn.sum")" = "0 0 0 0 0 0 0 0 0 0" ] || fail "spawn untraced: the reports: $(cat "$T/spawn.sum")"

stress_same spawn --trace-children -- "$PROGS/stress_spawn" spawn 40
stress_checked spawn full >"$T/spawn.sum" || exit 1
stress_checked spawn sample >/dev/null || exit 1
[ "$(grep -c '^64 1 0 0 0 0 0 0 0 0$' "$T/spawn.sum")" -eq 40 ] && [ "$(wc -l <"$T/spawn.sum")" -eq 41 ] ||
  fail "spawn traced: want 40 children with 64 bytes lost and the program: $(sort "$T/spawn.sum" | uniq -c)"

stress_same exec -- "$PROGS/stress_spawn" exec
[ $plain_rc -eq 0 ] || fail "stress_spawn exec failed alone"
[ -z "$(stress_reports exec full)" ] || fail "exec untraced left a report: $(stress_reports exec full)"

stress_same exec --trace-children -- "$PROGS/stress_spawn" exec
[ "$(stress_checked exec full)" = "64 1 0 0 0 0 0 0 0 0" ] || fail "exec traced: $(stress_checked exec full)"
