# test_children.sh: without --trace-children only the started program is
# traced (valgrind's rule): the programs it starts, by posix_spawn, fork
# and exec with its own envp, system or popen, see no LD_PRELOAD entry of
# the agent's and no LEAKSCOPE_OPTIONS (the user's own LD_PRELOAD stays),
# and the command names them in one hint; the program's own report is
# there (starting a program is not replacing itself), and an exec that
# fails is no program run.  A program that execs in the same process is
# not traced without the flag and is with it.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2
user_lib=/lib/x86_64-linux-gnu/libdl.so.2
[ -r "$user_lib" ] || skip "no $user_lib to preload"

"$PROGS/host_children" >plain.out 2>plain.err || fail "host_children alone: exit $?"
LD_PRELOAD=$user_lib "$LEAKSCOPE" run -- "$PROGS/host_children" >run.out 2>run.err || fail "run: exit $? $(cat run.err)"
for how in spawn fork system popen; do
  grep -qx "$how:\[$user_lib\]\[\]" run.out || fail "$how: the child's environment under run: $(grep "^$how:" run.out)"
done
grep -qx "exec failed, still here" run.out || fail "the failed exec: $(cat run.out)"
grep -q "definitely lost: 64 bytes in 1 blocks" run.err || fail "no report of the program itself: $(cat run.err)"
grep -q "executed" run.err && fail "starting a child is taken for an exec of the program: $(cat run.err)"
grep -q "no-such-program" run.err && fail "an exec that failed is named as a program run: $(cat run.err)"
grep -q "4 programs that .*host_children ran (.*) were not traced; --trace-children traces them" run.err ||
  fail "want one hint naming the 4 programs started: $(cat run.err)"

"$LEAKSCOPE" run --trace-children -- "$PROGS/host_children" >traced.out 2>traced.err || fail "run --trace-children: exit $?"
grep -q "not traced" traced.err && fail "a hint although --trace-children: $(cat traced.err)"
grep -q "spawn:\[.*libleakscope.so\]\[.\{1,\}\]" traced.out || fail "--trace-children: the agent is not passed on: $(cat traced.out)"

# an exec in the traced process itself
"$LEAKSCOPE" run -- sh -c "exec $PROGS/run_leak_once" >exec.out 2>exec.err || fail "exec run: exit $?"
grep -q "sh executed $PROGS/run_leak_once, which was not traced" exec.err || fail "no hint about the exec: $(cat exec.err)"
grep -q "LEAK SUMMARY" exec.err && fail "the exec'd program was traced without --trace-children: $(cat exec.err)"
"$LEAKSCOPE" run --trace-children -- sh -c "exec $PROGS/run_leak_once" >exec2.out 2>exec2.err || fail "exec run --trace-children: exit $?"
"$LEAKSCOPE" run -- "$PROGS/run_leak_once" >direct.out 2>direct.err || fail "run_leak_once run: exit $?"
want=$(grep "definitely lost:" direct.err | sed 's/^==[0-9]*==//')
got=$(grep "definitely lost:" exec2.err | sed 's/^==[0-9]*==//')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "the exec'd program under --trace-children: [$got], alone [$want]"
echo ok
