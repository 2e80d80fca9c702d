# test_attach_exit.sh: a program that ends while attached gives its exit
# snapshot: leakscope says how it exited, writes the profile and exits 0;
# the program's exit status is its own.  A program that exits while the
# attach is still looking for a moment to stop it (always inside libc)
# is one line and exit 2, as is one that executes another program while
# attached (the agent goes with its old image).
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"

start_leaker 1200
pid=$LEAKER
sleep 0.2
"$LEAKSCOPE" attach --sample=32K --duration 60 --profile "$T/p.pb.gz" $pid >"$T/attach.out" 2>"$T/attach.err" \
  || fail "attach failed: $(cat "$T/attach.err")"
grep -q "^leakscope: process $pid exited with status 5 after" "$T/attach.err" || fail "no exit line: $(cat "$T/attach.err")"
$PY "$CHECK" "$T/p.pb.gz" | grep -q "^sample leak_a<worker" || fail "the exit profile has no leak_a"
wait $pid
[ $? = 5 ] || fail "the program's exit status changed"
grep -q "^done$" "$T/prog.out" || fail "the program's output: $(cat "$T/prog.out")"

# always in libc (spinning in pthread_spin_lock): no safe point; it exits meanwhile
"$PROGS/attach_busy" 1.5 "$T/busy.ready" &
busy=$!
n=0
until [ -e "$T/busy.ready" ]; do n=$((n + 1)); [ $n -lt 100 ] || fail "attach_busy did not start"; sleep 0.05; done
expect_usage_error "a program that exits during the attach" "$LEAKSCOPE" attach $busy
grep -q "exited during the attach\|no process\|has exited" "$T/err" || fail "the message: $(cat "$T/err")"
wait $busy
[ $? = 0 ] || fail "the busy program did not end normally"

# exec while attached: a shell that waits for its child, then becomes sleep
sh -c 'sleep 1; exec sleep 2' &
shpid=$!
sleep 0.2
"$LEAKSCOPE" attach --duration 30 $shpid >"$T/out" 2>"$T/err"
[ $? = 2 ] || fail "an exec while attached: want exit 2: $(cat "$T/err")"
grep -q "^leakscope: error: process $shpid executed another program while attached" "$T/err" || fail "exec: $(cat "$T/err")"
wait $shpid || fail "the shell and its exec did not end normally"
exit 0
