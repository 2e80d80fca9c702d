#!/bin/sh
# test_leaks.sh: leak-check accuracy against Valgrind memcheck.  For every
# program in expected.txt (except the per-process lines NAME.parent/child,
# see test_fork.sh) run it plainly and under `leakscope run --report`,
# require the same stdout and exit status, and compare the report's summary
# with memcheck's numbers exactly: definitely, indirectly and possibly lost
# (bytes and blocks; possibly-lost blocks only where the third column says
# so), and still reachable where the reachable column says yes.  Every program is checked; one line per mismatch; fails at the end.
. "$(dirname "$0")/../harness/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/compare.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -r "$here/expected.txt" ] || fail "no $here/expected.txt"
checked=0

while read -r name reach poss db dn ib in pb pn rb rn; do
  case "$name" in ''|'#'*|*.*) continue ;; esac
  checked=$((checked + 1))
  prog="$PROGS/$name"
  if [ ! -x "$prog" ]; then mismatch "$name: $prog is not built"; continue; fi
  "$prog" >"$T/$name.plain.out" 2>"$T/$name.plain.err"
  plain_rc=$?
  timeout -k 5 120 "$LEAKSCOPE" run --report "$T/$name.json" -- "$prog" \
    >"$T/$name.ls.out" 2>"$T/$name.ls.err"
  ls_rc=$?
  [ "$ls_rc" = "$plain_rc" ] ||
    mismatch "$name exit status: plain $plain_rc, under leakscope $ls_rc $(head -c 300 "$T/$name.ls.err" | tr '\n' ' ')"
  cmp -s "$T/$name.plain.out" "$T/$name.ls.out" ||
    mismatch "$name stdout differs under leakscope: $(diff "$T/$name.plain.out" "$T/$name.ls.out" | head -n 4 | tr '\n' ' ')"
  if ! got=$($PY "$here/report-summary.py" "$T/$name.json" 2>&1); then
    mismatch "$name report: $got"
    continue
  fi
  echo "$name: memcheck [$db $dn $ib $in $pb $pn $rb $rn] leakscope [$got]"
  compare_summary "$name" "$reach" "$poss" "$db $dn $ib $in $pb $pn $rb $rn" "$got"
done <"$here/expected.txt"

[ $checked -gt 0 ] || fail "expected.txt lists no program"
echo "$checked programs checked, $bad mismatches"
[ $bad -eq 0 ] || fail "$bad mismatches between leakscope and memcheck"
