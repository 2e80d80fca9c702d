#!/bin/sh
# test_totals.sh: the heap totals against Valgrind memcheck's HEAP SUMMARY.
# For every program in expected-totals.txt run `leakscope run --report` in
# full mode and in sample mode: allocations, frees and bytes allocated must
# be memcheck's "total heap usage" exactly in both modes (threads' DTVs
# counted without the agent's own entries, constructors' allocations,
# realloc, memory glibc releases at exit), and in full mode the bytes and
# blocks in use at exit its "in use at exit" too (sample mode's are
# estimates).  One line per mismatch; fails at the end.
. "$(dirname "$0")/../harness/common.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/compare.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -r "$here/expected-totals.txt" ] || fail "no $here/expected-totals.txt"
checked=0

# totals REPORT: allocs frees bytes_allocated inuse_bytes inuse_blocks
totals() {
  $PY -c 'import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))["totals"]
print(*(t[k] for k in ("allocs", "frees", "bytes_allocated", "inuse_bytes", "inuse_blocks")))' "$1"
}

while read -r name allocs frees bytes inuse_bytes inuse_blocks; do
  case "$name" in ''|'#'*) continue ;; esac
  checked=$((checked + 1))
  prog="$PROGS/$name"
  if [ ! -x "$prog" ]; then mismatch "$name: $prog is not built"; continue; fi
  for mode in full sample; do
    opt=
    [ $mode = sample ] && opt=--sample
    timeout -k 5 120 "$LEAKSCOPE" run $opt --report "$T/$name.$mode.json" -- "$prog" \
      >/dev/null 2>"$T/$name.$mode.err"
    if ! got=$(totals "$T/$name.$mode.json" 2>&1); then
      mismatch "$name $mode: no totals: $got $(head -c 300 "$T/$name.$mode.err" | tr '\n' ' ')"
      continue
    fi
    echo "$name $mode: memcheck [$allocs $frees $bytes $inuse_bytes $inuse_blocks] leakscope [$got]"
    set -- $got
    [ "$1" = "$allocs" ] || mismatch "$name $mode allocs: memcheck $allocs, leakscope $1"
    [ "$2" = "$frees" ] || mismatch "$name $mode frees: memcheck $frees, leakscope $2"
    [ "$3" = "$bytes" ] || mismatch "$name $mode bytes allocated: memcheck $bytes, leakscope $3"
    [ $mode = full ] || continue
    [ "$4" = "$inuse_bytes" ] || mismatch "$name $mode bytes in use: memcheck $inuse_bytes, leakscope $4"
    [ "$5" = "$inuse_blocks" ] || mismatch "$name $mode blocks in use: memcheck $inuse_blocks, leakscope $5"
  done
done <"$here/expected-totals.txt"

[ $checked -gt 0 ] || fail "expected-totals.txt lists no program"
echo "$checked programs checked, $bad mismatches"
[ $bad -eq 0 ] || fail "$bad mismatches between leakscope's totals and memcheck's"
