# test_world.sh: the leak scan stops every thread whatever its signal
# mask.  A thread that blocks every signal holds the only pointer to a
# block in a register: the block is still reachable, as memcheck says
# (40 B definitely lost, the thread's DTV of 272 B possibly lost, 123 B
# still reachable), with no word about threads that did not stop.  Where
# ptrace is denied (the program already runs under strace) the scan falls
# back to the signal, says so in one line with the ==PID== prefix of the
# agent's messages (under run and preloaded by hand), and the program runs
# and ends as it does alone.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2
prog="$PROGS/host_blocked_register"

"$prog" >plain.out 2>plain.err
plain_rc=$?
timeout -k 5 120 "$LEAKSCOPE" run -- "$prog" >run.out 2>run.err
rc=$?
[ $rc = $plain_rc ] || fail "exit status $rc under leakscope, $plain_rc alone: $(cat run.err)"
cmp -s plain.out run.out || fail "stdout differs: $(cat run.out)"
grep -qi "not stop\|could not be stopped" run.err && fail "a thread was not stopped: $(grep -i stop run.err)"
summary() { sed -n 's/^==[0-9]*== *\(definitely lost\|possibly lost\|still reachable\): /\1: /p' "$1" | tr '\n' ';'; }
want="definitely lost: 40 bytes in 1 blocks;possibly lost: 272 bytes in 1 blocks;still reachable: 123 bytes in 1 blocks;"
[ "$(summary run.err)" = "$want" ] || fail "leak summary [$(summary run.err)], memcheck's [$want]"

if command -v strace >/dev/null 2>&1; then
  timeout -k 5 120 strace -f -o /dev/null "$LEAKSCOPE" run -- "$prog" >traced.out 2>traced.err
  rc=$?
  [ $rc = $plain_rc ] || fail "under strace: exit status $rc, $plain_rc alone: $(cat traced.err)"
  cmp -s plain.out traced.out || fail "under strace: stdout differs: $(cat traced.out)"
  grep -q "^==[0-9]*== leakscope: some threads could not be stopped for the leak scan" traced.err ||
    fail "under strace: want the fallback's one line with the ==PID== prefix: $(cat traced.err)"
  # preloaded by hand the agent says it itself, with the same prefix
  timeout -k 5 120 strace -f -o /dev/null env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p" "$prog" \
    >pre.out 2>pre.err || fail "preloaded under strace: exit $?"
  grep -q "^==[0-9]*== leakscope: some threads could not be stopped for the leak scan" pre.err ||
    fail "preloaded under strace: want the ==PID== line: $(cat pre.err)"
fi

if [ -x /usr/bin/node ]; then
  timeout -k 5 300 "$LEAKSCOPE" run -- /usr/bin/node -e 'console.log(1)' >node.out 2>node.err ||
    fail "node under leakscope: exit $? $(tail -3 node.err)"
  [ "$(cat node.out)" = 1 ] || fail "node's output: $(cat node.out)"
  grep -qi "not stop\|could not be stopped" node.err && fail "node: a thread was not stopped: $(grep -i stop node.err)"
fi
echo ok
