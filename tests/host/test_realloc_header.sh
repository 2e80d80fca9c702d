#!/bin/sh
# test_realloc_header.sh: a realloc that moves a block leaves no header of
# the agent behind in the old chunk (tests/progs/realloc_stale_header.c).
# glibc frees the old chunk itself; merged with a free neighbour its first
# bytes stay as they were, and a stale header there once made the exit
# scan take garbage for a live block's size and read past the heap
# (`file -b` on a 3 MB text crashed with SIGSEGV in full mode).
. "$(dirname "$0")/../harness/common.sh"
prog="$PROGS/realloc_stale_header"
[ -x "$prog" ] || fail "$prog is not built"
out=$(LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="mode=full,quiet=1,out=$T/s.%p.raw" "$prog") ||
  fail "the program failed under the agent: $out"
[ "$out" = clean ] || fail "after a moving realloc the old chunk still holds the block's header: $out"
"$LEAKSCOPE" run --quiet --report "$T/r.json" -- "$prog" >"$T/run.out" 2>"$T/run.err" || fail "run failed: $(cat "$T/run.err")"
[ "$(cat "$T/run.out")" = clean ] || fail "under run: $(cat "$T/run.out")"
