#!/bin/sh
# test_fork.sh: leak check across fork without exec.  leak_fork's parent
# and child each write their own report (--report r.%p.json); the parent's
# (exit code 0) and the child's (exit code 7) summaries must equal
# memcheck's for that process (leak_fork.parent / leak_fork.child lines of
# expected.txt), and stdout and exit status must be those of a plain run.
. "$(dirname "$0")/../harness/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/compare.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
prog="$PROGS/leak_fork"
[ -x "$prog" ] || fail "$prog is not built"

expected() {  # NAME -> "REACHABLE POSSIBLE 8 NUMBERS"
  awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2); found = 1 } END { exit !found }' "$here/expected.txt" ||
    fail "expected.txt has no line for $1"
}
parent_want=$(expected leak_fork.parent) || exit 1
child_want=$(expected leak_fork.child) || exit 1

"$prog" >"$T/plain.out" 2>/dev/null
plain_rc=$?
mkdir "$T/r"
timeout -k 5 120 "$LEAKSCOPE" run --report "$T/r/r.%p.json" -- "$prog" >"$T/ls.out" 2>"$T/ls.err"
ls_rc=$?
[ "$ls_rc" = "$plain_rc" ] || mismatch "leak_fork exit status: plain $plain_rc, under leakscope $ls_rc"
cmp -s "$T/plain.out" "$T/ls.out" || mismatch "leak_fork stdout differs under leakscope"

set -- "$T"/r/r.*.json
[ $# -eq 2 ] && [ -f "$1" ] || fail "expected two reports (parent and child), found: $(ls "$T/r" | tr '\n' ' ')"
parent_pid="" child_pid=""
for report in "$@"; do
  got=$($PY "$here/report-summary.py" "$report") || fail "bad report $report"
  file_pid=$(basename "$report" .json | sed 's/^r\.//')
  set -- $got
  rc=$9 pid=${10}
  [ "$pid" = "$file_pid" ] || mismatch "report $report holds pid $pid"
  case "$rc" in
    0) who=parent want=$parent_want parent_pid=$pid ;;
    7) who=child want=$child_want child_pid=$pid ;;
    *) mismatch "report $report: exit_code $rc, neither the parent's 0 nor the child's 7"; continue ;;
  esac
  set -- $want
  reach=$1 poss=$2
  shift 2
  echo "leak_fork.$who (pid $pid): memcheck [$*] leakscope [$got]"
  compare_summary "leak_fork.$who" "$reach" "$poss" "$*" "$got"
done
[ -n "$parent_pid" ] && [ -n "$child_pid" ] && [ "$parent_pid" != "$child_pid" ] ||
  mismatch "need one parent report and one child report with different pids (parent '$parent_pid', child '$child_pid')"
[ $bad -eq 0 ] || fail "$bad mismatches between leakscope and memcheck for leak_fork"
echo "leak_fork: parent and child reports match memcheck"
