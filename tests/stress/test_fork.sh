#!/bin/sh
# test_fork.sh: forks while four threads allocate (stress_fork threads), and
# a storm of children that fork again (stress_fork storm), with and without
# --trace-children: the same output and status in both modes, no hang, one
# consistent report per process, each child's with its own exit status and
# its leak (77 bytes, or more: blocks the vanished threads held; the
# storm's 33 bytes exactly).  The totals must add up in every process:
# allocations less frees are the blocks in use (full mode), and in both
# modes a child of the threaded program counts its 77-byte block and at
# most one block of each of the four threads, the program none (sample
# mode's counts are exact too).
. "$(dirname "$0")/../harness/common.sh"
. "$(dirname "$0")/lib.sh"

# fork_balance MODE: allocations less frees of every report of the
# threads run, checked against the blocks the process can hold.
fork_balance() {
  # shellcheck disable=SC2046  # report paths have no spaces ($T is mktemp's)
  $PY - "$1" $(stress_reports threads "$1") <<'EOF_PY' || fail "fork from threads ($1 mode): the counts of allocations and frees are off"
import json, sys
held = {}
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        t = json.load(f)["totals"]
    held[path] = t["allocs"] - t["frees"]
# the program frees everything; each child holds 1 to 5 blocks
empty = [p for p, n in held.items() if n == 0]
off = [f"{p}: {n}" for p, n in held.items() if n != 0 and not 1 <= n <= 5]
if len(empty) != 1 or off:
    print(f"{sys.argv[1]} mode: {len(empty)} processes hold no block, want 1 (the program); "
          f"allocations - frees out of 1 to 5: {off}", file=sys.stderr)
    sys.exit(1)
EOF_PY
}

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
fork_balance full
fork_balance sample
short=$(awk '$9 != 0 && ($1 < 77 || $2 < 1)' "$T/threads.sum")
[ -z "$short" ] || fail "a child's 77-byte leak is missing: $short"

for children_flag in "" --trace-children; do
  stress_same storm $children_flag -- "$PROGS/stress_fork" storm 30
  [ $plain_rc -eq 0 ] || fail "stress_fork storm failed alone"
  stress_checked storm full >"$T/storm.sum" || exit 1
  stress_checked storm sample >/dev/null || exit 1
  [ "$(wc -l <"$T/storm.sum")" -eq 61 ] || fail "storm $children_flag: $(wc -l <"$T/storm.sum") reports, want 61"
  [ "$(grep -c '^33 1 0 0 0 0 0 0 0 0$' "$T/storm.sum")" -eq 60 ] ||
    fail "storm $children_flag: want 60 children with 33 bytes definitely lost: $(sort "$T/storm.sum" | uniq -c)"
done
[ ! -s "$T/totals-off" ] || fail "the totals of $(sort -u "$T/totals-off" | tr '\n' ' ')do not add up"
