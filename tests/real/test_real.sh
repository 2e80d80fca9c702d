#!/bin/sh
# test_real.sh: the fast subset of tests/real/realprogs.py (sqlite3, perl,
# mawk, sort, jq, xz -T2, git log): each program plainly, in full mode, in
# sample mode and under memcheck, with the same stdout, stderr and exit
# status under leakscope, and full mode's four leak numbers memcheck's
# exactly, or listed in known-differences.txt with the reason.  The whole
# set is `tests/real/realprogs.py` (docs/LIMITS.md has its last results).
# Skipped when valgrind or every program of the subset is missing
# (test_deps.sh checks that install-deps.sh installs them all).
. "$(dirname "$0")/../harness/common.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
$PY "$(dirname "$0")/realprogs.py" --fast --keep "$T/work" >"$T/log" 2>&1
rc=$?
cat "$T/log"
grep -q '^0 programs' "$T/log" && skip "none of the fast subset's programs is installed"
[ $rc -eq 0 ] || fail "real programs: $(tail -n 1 "$T/log")"
