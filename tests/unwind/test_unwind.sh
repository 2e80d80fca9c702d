#!/bin/sh
# test_unwind.sh: the agent's own unwinder (agent/unwind*.c) against
# libunwind.  With LEAKSCOPE_OPTIONS=unwind_check=1 the agent captures every
# stack both ways and prints at exit
#   leakscope: unwind_check: captures=N mismatches=N fallbacks=N fast_frames=N ...
# Every program here must show 0 mismatches.  The test programs are built
# at several optimization levels (with and without frame pointers); real
# programs (python3, perl, sqlite3, git) run too when installed.  Finally
# the stacks written to a raw snapshot must be the same with the fast
# unwinder and with unwind=libunwind, and so must each one's allocations.
. "$(dirname "$0")/../harness/common.sh"

AGENT=$LEAKSCOPE_AGENT
[ -f "$AGENT" ] || skip "agent not built: $AGENT"
SRC=$LEAKSCOPE_ROOT/tests/progs
command -v cc >/dev/null || skip "no C compiler"

# check NAME MIN_CAPTURES MAX_FALLBACKS [extra options] -- command...
# Runs the command under the agent in unwind_check mode and asserts.
check() {
  name=$1 min=$2 maxfb=$3 extra=$4
  shift 5
  LEAKSCOPE_OPTIONS="out=$T/check.%p.raw,leak_check=0,unwind_check=1$extra" \
    LD_PRELOAD=$AGENT "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null ||
    fail "$name: exit status $? ($(tail -n 3 "$T/$name.err"))"
  line=$(grep 'leakscope: unwind_check: captures=' "$T/$name.err" | tail -n 1)
  [ -n "$line" ] || fail "$name: no unwind_check summary ($(tail -n 3 "$T/$name.err"))"
  field() { echo "$line" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
  captures=$(field captures)
  mismatches=$(field mismatches)
  fallbacks=$(field fallbacks)
  frames=$(field fast_frames)
  echo "$name: $line"
  if [ "$mismatches" != 0 ]; then
    grep -A 30 'mismatch (fast' "$T/$name.err" | head -n 40 >&2
    fail "$name: $mismatches stacks differ from libunwind's"
  fi
  [ "$captures" -ge "$min" ] || fail "$name: only $captures captures (expected >= $min)"
  [ "$fallbacks" -le "$maxfb" ] || fail "$name: $fallbacks fallbacks to libunwind (expected <= $maxfb)"
  [ "$frames" -ge "$((captures - fallbacks))" ] ||
    fail "$name: $frames frames from the fast unwinder for $captures captures"
}

# The C program: recursion, alloca/VLA (RBP-based CFAs), qsort/bsearch
# callbacks, threads; its two signal handlers and its coroutine (9
# allocations) go to libunwind by design, anything else would be a bug.
for flags in "-O0 -g" "-O1" "-O2 -fomit-frame-pointer" "-O3 -fomit-frame-pointer" "-Os" \
             "-O2 -fno-omit-frame-pointer"; do
  tag=$(echo "$flags" | tr -d ' -')
  cc $flags -o "$T/stacks_$tag" "$SRC/unwind_stacks.c" -lpthread ||
    fail "cannot build unwind_stacks.c with $flags"
  check "stacks_$tag" 10000 9 "" -- "$T/stacks_$tag" 20
  grep -q '^done 20$' "$T/stacks_$tag.out" || fail "stacks_$tag: wrong output"
done
# All 64 frames of the deepest stacks.
check stacks_depth64 10000 9 ",depth=64" -- "$T/stacks_O2fomitframepointer" 10
# A program may also call malloc from a signal handler on the thread's own
# stack while outside the agent; with unwind=libunwind every capture is a
# fallback (the switch works).
check stacks_forced 1000 1000000 ",unwind=libunwind" -- "$T/stacks_O1" 5
[ "$fallbacks" = "$captures" ] || fail "unwind=libunwind: $fallbacks fallbacks of $captures"

if command -v c++ >/dev/null; then
  for flags in "-O0 -g" "-O2 -fomit-frame-pointer"; do
    tag=$(echo "$flags" | tr -d ' -')
    c++ $flags -o "$T/cxx_$tag" "$SRC/unwind_cxx.cc" -lpthread ||
      fail "cannot build unwind_cxx.cc with $flags"
    check "cxx_$tag" 10000 0 "" -- "$T/cxx_$tag" 10
    grep -q '^done 10$' "$T/cxx_$tag.out" || fail "cxx_$tag: wrong output"
  done
fi

# Real programs.
cat >"$T/work.py" <<'EOF'
import json, re, threading, collections
def build(n):
    d = {}
    for i in range(n):
        d["k%d" % i] = [i, str(i), (i, i + 1), {"x": i}]
    return d
def churn():
    for r in range(3):
        s = json.dumps(build(3000))
        o = json.loads(s)
        words = re.findall(r"k(\d+)", s)
        collections.Counter(w[-1] for w in words)
ts = [threading.Thread(target=churn) for _ in range(2)]
for t in ts: t.start()
churn()
for t in ts: t.join()
print("ok")
EOF
if [ -x /usr/bin/python3 ]; then
  # the real binary, not through env(1): an exec'd program is not traced
  export PYTHONMALLOC=malloc
  check python3 10000 0 "" -- /usr/bin/python3 "$T/work.py"
  unset PYTHONMALLOC
fi
if command -v perl >/dev/null; then
  check perl 10000 0 "" -- perl -e 'my %h; $h{$_} = [$_ x 3, {a => $_}] for 1 .. 20000;
    my @s = sort { $a <=> $b } keys %h; print scalar(@s), "\n"'
fi
if command -v sqlite3 >/dev/null; then
  printf '%s\n' 'create table t(a, b);' \
    'with recursive c(x) as (select 1 union all select x + 1 from c where x < 20000)
     insert into t select x, hex(randomblob(20)) from c;' \
    'create index ti on t(b);' 'select count(*) from t where b > "8";' >"$T/q.sql"
  check sqlite3 10000 0 "" -- sqlite3 :memory: ".read $T/q.sql"
fi
if command -v git >/dev/null && [ -d "$LEAKSCOPE_ROOT/.git" ]; then
  check git 100 0 "" -- git -C "$LEAKSCOPE_ROOT" log -n 20 --stat
fi

# The stacks in the snapshot, and how many blocks each one allocated: the
# same with either unwinder (without ASLR, so that the addresses of two runs
# can be compared).  The fast path reuses the outer frames of the thread's
# last capture and knows a stack's id without looking it up when it has
# seen the same few fresh frames below the same part before: a wrong reuse
# would put a block on another stack that exists, and only the counts
# would show it.  malloc_mt (bench/) allocates 10 to 20 frames deep through
# mutually recursive functions, from qsort callbacks and through strdup.
stack_counts() { # RAW: "pcs... alloc_objects" a site, sorted (the bytes of ld.so's
  # blocks, as the program dlopens, depend on what the agent loaded itself)
  awk '$1 == "stack" { s = $3; for (i = 4; i <= NF; i++) s = s " " $i; pcs[$2] = s }
       $1 == "site" { print pcs[$2], $3 }' "$1" | sort
}
MT=$LEAKSCOPE_ROOT/${BUILD:-build}/bench/malloc_mt
if command -v setarch >/dev/null && setarch "$(uname -m)" -R true 2>/dev/null; then
  for prog in stacks mt; do
    [ $prog = mt ] && [ ! -x "$MT" ] && continue
    for mode in fast libunwind; do
      opt=""
      [ $mode = libunwind ] && opt=",unwind=libunwind"
      if [ $prog = stacks ]; then set -- "$T/stacks_O2fomitframepointer" 5; else set -- "$MT" 1 4096; fi
      setarch "$(uname -m)" -R env LEAKSCOPE_OPTIONS="out=$T/snap_$mode.raw,leak_check=0$opt" \
        LD_PRELOAD="$AGENT" "$@" >/dev/null || fail "snapshot run of $prog ($mode) failed"
      [ -s "$T/snap_$mode.raw" ] || fail "no snapshot written ($prog, $mode)"
      stack_counts "$T/snap_$mode.raw" >"$T/stacks_$mode.txt"
    done
    n=$(wc -l <"$T/stacks_fast.txt")
    [ "$n" -ge 20 ] || fail "$prog: only $n stacks in the snapshot"
    cmp -s "$T/stacks_fast.txt" "$T/stacks_libunwind.txt" ||
      fail "$prog: snapshot stacks or their counts differ: $(diff "$T/stacks_fast.txt" "$T/stacks_libunwind.txt" | head -n 6)"
    echo "snapshot of $prog: $n stacks and their allocation counts identical with both unwinders"
  done
fi
echo "all unwinder checks passed"
