# test_signals.sh: a program killed by a signal gets its report, as under
# memcheck, then dies of the same signal.  For SIGTERM, abort(), SIGSEGV,
# SIGBUS, SIGFPE, SIGILL, SIGQUIT, a program's own SIGSEGV handler that
# puts the default action back, a fault in a second thread, a stack
# overflow (the agent's alternate stack) in the main thread and in a second
# one, and in a second one with a small alternate stack of its own: the same
# stdout and exit status as alone, memcheck's leak summary (100 bytes
# definitely lost, 50 still reachable; the faulting thread's DTV possibly
# lost), and the signal named as memcheck names it.  sigaction and signal
# answer what the program set, to the flag, and sigaltstack shows no
# alternate stack of the agent's.  Preloaded by hand, the
# process dumps core exactly when it does alone.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2
prog="$PROGS/host_signals"

summary() { sed -n 's/^==[0-9]*== *\(definitely lost\|indirectly lost\|possibly lost\|still reachable\): /\1: /p' "$1" | tr '\n' ';'; }
while read -r how sig name possibly; do
  "$prog" "$how" >plain.out 2>plain.err
  plain_rc=$?
  [ $plain_rc = $((128 + sig)) ] || fail "$how alone: exit $plain_rc, want $((128 + sig))"
  timeout -k 5 120 "$LEAKSCOPE" run -- "$prog" "$how" >run.out 2>run.err
  rc=$?
  [ $rc = $plain_rc ] || fail "$how: exit $rc under leakscope, $plain_rc alone: $(cat run.err)"
  cmp -s plain.out run.out || fail "$how: stdout differs: $(cat run.out)"
  grep -q "^==[0-9]*== Process terminating with default action of signal $sig ($name)$" run.err ||
    fail "$how: the signal is not named: $(head -5 run.err)"
  want="definitely lost: 100 bytes in 1 blocks;indirectly lost: 0 bytes in 0 blocks;possibly lost: $possibly;still reachable: 50 bytes in 1 blocks;"
  [ "$(summary run.err)" = "$want" ] || fail "$how: leak summary [$(summary run.err)], memcheck's [$want]"
  if [ "$how" = handler ]; then grep -q "^own handler$" run.err || fail "the program's own handler did not run: $(cat run.err)"; fi
done <<'LIST'
term 15 SIGTERM 0 bytes in 0 blocks
abort 6 SIGABRT 0 bytes in 0 blocks
segv 11 SIGSEGV 0 bytes in 0 blocks
bus 7 SIGBUS 0 bytes in 0 blocks
fpe 8 SIGFPE 0 bytes in 0 blocks
ill 4 SIGILL 0 bytes in 0 blocks
quit 3 SIGQUIT 0 bytes in 0 blocks
handler 11 SIGSEGV 0 bytes in 0 blocks
thread 11 SIGSEGV 272 bytes in 1 blocks
overflow 11 SIGSEGV 0 bytes in 0 blocks
thread-overflow 11 SIGSEGV 272 bytes in 1 blocks
thread-overflow-altstack 11 SIGSEGV 272 bytes in 1 blocks
LIST

# what sigaction says: the program's view, flags as the kernel keeps them
"$prog" query >query.plain 2>&1 || fail "query alone: exit $?"
"$LEAKSCOPE" run -- "$prog" query >query.run 2>/dev/null || fail "query under run: exit $?"
cmp -s query.plain query.run || fail "sigaction under run: $(diff query.plain query.run | tr '\n' ' ')"
LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/q.%p" "$prog" query >query.pre 2>&1 || fail "query preloaded: exit $?"
cmp -s query.plain query.pre || fail "sigaction preloaded: $(diff query.plain query.pre | tr '\n' ' ')"

# core dumps: the same wait status, core flag included
case "$(cat /proc/sys/kernel/core_pattern 2>/dev/null)" in
  '|'*|'') echo "core_pattern pipes cores away: core flag not compared" ;;
  *)
    mkdir cores && cd cores || exit 2
    for how in segv abort quit thread-overflow; do
      statuses=$($PY - "$prog" "$how" "$LEAKSCOPE_AGENT" "$T" <<'PY'
import os, resource, sys
prog, how, agent, scratch = sys.argv[1:]
resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
out = []
for env in ({}, {"LD_PRELOAD": agent, "LEAKSCOPE_OPTIONS": "out=%s/c.%%p" % scratch}):
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        os.execve(prog, [prog, how], dict(os.environ, **env))
    _, status = os.waitpid(pid, 0)
    out.append("%s:%d:%d" % (how, os.WTERMSIG(status), os.WCOREDUMP(status)))
print(" ".join(out))
PY
)
      set -- $statuses
      [ "$1" = "$2" ] || fail "wait status alone and preloaded: $statuses"
      ls "$T"/c.* >/dev/null 2>&1 || fail "$how preloaded: no snapshot written"
      rm -f "$T"/c.* core*
    done
    cd "$T" || exit 2 ;;
esac
echo ok
