#!/bin/sh
# regen-expected.sh: (for maintainers) regenerate tests/accuracy/expected.txt,
# memcheck's LEAK SUMMARY for each leak-check accuracy program
# (tests/progs/leak_*), by running each twice under valgrind and refusing
# numbers that differ between the two runs; and expected-totals.txt, its
# HEAP SUMMARY of each one-process program whose still-reachable memory is
# compared (allocations, frees, bytes allocated, bytes and blocks in use at
# exit).  Build the programs first
# (make test-build); PROGS overrides where they are.
#   sh tests/accuracy/regen-expected.sh
# The second column of expected.txt says whether test_leaks.sh compares
# still-reachable: "no" where libc keeps memory of its own that memcheck
# and leakscope need not agree on (dlopen's link maps).  The third says
# how possibly-lost is compared: "exact", or "blocks" (blocks only) for a
# program where leakscope cannot see what memcheck sees.  (A live thread's
# DTV is sized by the number of TLS modules; the agent subtracts the entries
# of its own modules, so those programs compare exactly.)  leak_fork gets two lines, NAME.parent and
# NAME.child, one per process (test_fork.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${PROGS:=$root/build/tests/progs}"
out="$here/expected.txt"
totals_out="$here/expected-totals.txt"
work=$(mktemp -d /tmp/leakscope-regen.XXXXXX)
trap 'rm -rf "$work"' EXIT

# name, compare still-reachable (yes/no), possibly-lost (exact/blocks), processes (one/fork)
programs="
leak_tree yes exact one
leak_cycle yes exact one
leak_interior yes exact one
leak_globals yes exact one
leak_static yes exact one
leak_tls yes exact one
leak_threads yes exact one
leak_realloc yes exact one
leak_calloc yes exact one
leak_aligned yes exact one
leak_big yes exact one
leak_xor yes exact one
leak_dlopen no exact one
leak_strings yes exact one
leak_many yes exact one
leak_cxx yes exact one
leak_none yes exact one
leak_fork yes exact fork
leak_dead_stack yes exact one
leak_dead_stack_o2 yes exact one
leak_dead_stack_copies yes exact one
leak_exit_copies yes exact one
leak_exit_deep yes exact one
leak_blocked_thread yes exact one
leak_signal_term yes exact one
leak_signal_segv yes exact one
leak_ctor yes exact one
leak_equal_records yes exact one
leak_vtable_lookalike yes exact one
"

command -v valgrind >/dev/null || { echo "regen-expected.sh: valgrind is not installed" >&2; exit 2; }

# memcheck NAME RUN: run PROGS/NAME under memcheck with one log per pid in
# $work/NAME.RUN/, check stdout and exit status against the plain run.
memcheck() {
  dir="$work/$1.$2"
  mkdir -p "$dir"
  valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite \
    --log-file="$dir/vg.%p.log" "$PROGS/$1" >"$dir/stdout" 2>"$dir/stderr"
  rc=$?
  if [ "$rc" != "$plain_rc" ] || ! cmp -s "$dir/stdout" "$work/$1.plain"; then
    echo "regen-expected.sh: $1 behaves differently under valgrind (exit $rc, plain $plain_rc)" >&2
    exit 2
  fi
}

# summaries NAME RUN PROCS: print "NAME SUMMARY" lines for one run (for a
# fork program: NAME.parent and NAME.child, the parent being the process
# whose pid is the other's "Parent PID").
summaries() {
  dir="$work/$1.$2"
  set -- "$1" "$dir" "$3" $(ls "$dir" | grep '^vg\..*\.log$')
  name=$1 procs=$3
  shift 3
  if [ "$procs" = one ]; then
    [ $# -eq 1 ] || { echo "regen-expected.sh: $name: expected one process, got $#" >&2; exit 2; }
    s=$(sh "$here/vg-summary.sh" "$dir/$1") || exit 2
    echo "$name $s"
    return
  fi
  [ $# -eq 2 ] || { echo "regen-expected.sh: $name: expected two processes, got $#" >&2; exit 2; }
  pid1=$(echo "$1" | sed 's/^vg\.\([0-9]*\)\.log$/\1/')
  if grep -q "Parent PID: $pid1\$" "$dir/$2"; then parent=$1 child=$2; else parent=$2 child=$1; fi
  s=$(sh "$here/vg-summary.sh" "$dir/$parent") || exit 2
  echo "$name.parent $s"
  s=$(sh "$here/vg-summary.sh" "$dir/$child") || exit 2
  echo "$name.child $s"
}

{
  echo "# expected.txt: memcheck's LEAK SUMMARY for each leak-check accuracy program,"
  echo "# written by regen-expected.sh ($(valgrind --version), $(ldd --version | head -n 1 | sed 's/^ldd //'))."
  echo "# Do not edit by hand: change tests/progs/leak_* and rerun regen-expected.sh."
  echo "# name reachable possible def_bytes def_blocks ind_bytes ind_blocks pos_bytes pos_blocks reach_bytes reach_blocks"
} >"$work/expected"
{
  echo "# expected-totals.txt: memcheck's HEAP SUMMARY for each one-process accuracy program,"
  echo "# written by regen-expected.sh ($(valgrind --version), $(ldd --version | head -n 1 | sed 's/^ldd //'))."
  echo "# Do not edit by hand: change tests/progs/leak_* and rerun regen-expected.sh."
  echo "# name allocs frees bytes_allocated inuse_bytes inuse_blocks"
} >"$work/totals"
echo "$programs" | while read -r name cmp poss procs; do
  [ -n "$name" ] || continue
  [ -x "$PROGS/$name" ] || { echo "regen-expected.sh: $PROGS/$name is not built (make test-build)" >&2; exit 2; }
  "$PROGS/$name" >"$work/$name.plain" 2>/dev/null
  plain_rc=$?
  memcheck "$name" 1
  memcheck "$name" 2
  summaries "$name" 1 "$procs" >"$work/$name.sum1" || exit 2
  summaries "$name" 2 "$procs" >"$work/$name.sum2" || exit 2
  if ! cmp -s "$work/$name.sum1" "$work/$name.sum2"; then
    echo "regen-expected.sh: $name: memcheck's numbers differ between two runs:" >&2
    cat "$work/$name.sum1" "$work/$name.sum2" >&2
    exit 2
  fi
  while read -r line_name numbers; do
    echo "$line_name $cmp $poss $numbers"
  done <"$work/$name.sum1"
  if [ "$procs" = one ] && [ "$cmp" = yes ]; then
    t1=$(sh "$here/vg-totals.sh" "$work/$name.1"/vg.*.log) || exit 2
    t2=$(sh "$here/vg-totals.sh" "$work/$name.2"/vg.*.log) || exit 2
    if [ "$t1" != "$t2" ]; then
      echo "regen-expected.sh: $name: memcheck's totals differ between two runs: $t1, $t2" >&2
      exit 2
    fi
    echo "$name $t1" >>"$work/totals"
  fi
  echo "regen-expected.sh: $name done" >&2
done >>"$work/expected" || exit 2
mv "$work/expected" "$out.tmp" && mv "$out.tmp" "$out" || exit 2
mv "$work/totals" "$totals_out.tmp" && mv "$totals_out.tmp" "$totals_out" || exit 2
echo "regen-expected.sh: wrote $out and $totals_out"
