# test_fds.sh: the agent holds no descriptor the program can see.  A
# program that lists /proc/self/fd when main starts and after 64 MiB of
# allocations sees the same numbers as alone: under run in full and sample
# mode, with periodic profiles, a snapshot signal and --http (the agent's
# control thread runs), preloaded by hand in both modes and with libunwind
# (unwind=libunwind, unwind_check: its pipe), each with stdin
# open and closed (a descriptor of the agent's would take 0 then); and
# while periodic snapshots are written, each open the program makes gets
# the lowest free number (the agent's files are opened out of its way).
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2
prog="$PROGS/host_fds"

check() {  # what, command... (runs prog with stdin from $stdin_mode)
  what="$1"; shift
  if [ "$stdin_mode" = closed ]; then "$@" "$prog" >got.out 2>got.err <&-; else "$@" "$prog" >got.out 2>got.err </dev/null; fi
  rc=$?
  [ $rc = 0 ] || fail "$what, stdin $stdin_mode: exit $rc: $(cat got.err)"
  cmp -s want.out got.out || fail "$what, stdin $stdin_mode: descriptors [$(tr '\n' ' ' <got.out)], alone [$(tr '\n' ' ' <want.out)]"
}

for stdin_mode in open closed; do
  if [ $stdin_mode = closed ]; then "$prog" >want.out <&-; else "$prog" >want.out </dev/null; fi
  grep -q "^later:" want.out || fail "host_fds alone: $(cat want.out)"
  check "run" "$LEAKSCOPE" run --
  check "run --sample" "$LEAKSCOPE" run --sample=4K --
  # each periodic profile costs the command a conversion: the fast ones once
  [ $stdin_mode = open ] && check "run --interval" "$LEAKSCOPE" run --interval 0.03 --profile "$T/p.pb.gz" --
  check "run --snapshot-signal" "$LEAKSCOPE" run --snapshot-signal USR2 --
  check "run --http" "$LEAKSCOPE" run --http 127.0.0.1:0 --
  check "run --sample --budget" "$LEAKSCOPE" run --sample=4K --budget 100K,dump --profile "$T/b.pb.gz" --
  check "preloaded" env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p"
  check "preloaded, sample mode" env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p,sample=4096"
  # libunwind's pipe exists only while a capture is inside libunwind
  check "preloaded, unwind=libunwind" env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p,unwind=libunwind"
  check "preloaded, unwind_check" env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p,unwind_check=1"
done
echo ok
