# test_attach_leak.sh: `leakscope attach PID` on a program that is already
# running and leaking: the profile at detach names the leaking site with
# the bytes it leaked while attached (within 25%), and nothing from before
# the attach; the stop is reported in ms; after the detach every GOT entry
# holds what it held before, no descriptor or thread of ours is left, and
# the program runs on to its normal end with the output and exit status it
# has when run alone.  (It has 40 pthread keys of its own, so that each
# thread the agent registers makes glibc allocate for the agent's key, and
# free that after the detach: glibc's own block, never one with a header.)
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"
ITERS=5000 # ms the program runs: the checks after the detach need it still running on a loaded machine
export ATTACH_LEAKER_KEYS=40

"$PROGS/attach_leaker" "$T/plain.state" $ITERS 3 >"$T/plain.out" 2>"$T/plain.err"
plain_rc=$?

start_leaker $ITERS 3
pid=$LEAKER
sleep 0.3
fds_before=$(fds $pid)
tasks_before=$(tasks $pid)
$PY "$GOT" $pid --where >"$T/got.before" || fail "got_check.py failed"
"$LEAKSCOPE" attach --sample=8K --duration 1.5 --profile "$T/p.%p.pb.gz" $pid >"$T/attach.out" 2>"$T/attach.err" \
  || fail "attach failed: $(cat "$T/attach.err")"
grep -Eq "^leakscope: attached to $pid in [0-9]+\.[0-9] ms$" "$T/attach.err" || fail "no stop time: $(cat "$T/attach.err")"
grep -q "^leakscope: detached from $pid after" "$T/attach.err" || fail "no detach line: $(cat "$T/attach.err")"
[ -f "$T/p.$pid.pb.gz" ] || fail "no profile p.$pid.pb.gz"
$PY "$CHECK" "$T/p.$pid.pb.gz" >/dev/null || fail "the profile is not valid"

# the program as it was: no entry points into the agent any more
wait_state attached 0
# (where each entry points: a lazy one that glibc binds meanwhile still points into its object)
$PY "$GOT" $pid --where --skip libleakscope --skip libgcc_s >"$T/got.after"
diff "$T/got.before" "$T/got.after" >&2 || fail "GOT entries differ after the detach"
[ "$(fds $pid)" = "$fds_before" ] || fail "descriptors after the detach: $(fds $pid), before: $fds_before"
[ "$(tasks $pid)" = "$tasks_before" ] || fail "$(tasks $pid) threads after the detach, $tasks_before before"
[ "$(agent_maps $pid)" = 1 ] || fail "the agent should stay loaded once: $(agent_maps $pid)"

# what it found
truth=$(state leaked_a)
[ "$truth" -gt 1000000 ] || fail "the program leaked only $truth bytes while attached"
near "$(inuse "$T/p.$pid.pb.gz" leak_a)" "$truth" 25 "leak_a"
$PY "$CHECK" "$T/p.$pid.pb.gz" | grep -q before_site && fail "blocks from before the attach are in the profile"
churn=$(inuse "$T/p.$pid.pb.gz" churn_site)
[ "$churn" -lt $((truth / 10)) ] || fail "freed blocks count as in use: churn_site $churn bytes"

wait $pid
rc=$?
[ "$rc" = "$plain_rc" ] || fail "exit status $rc, alone $plain_rc"
cmp "$T/plain.out" "$T/prog.out" >&2 || fail "the output differs from the program's alone"
[ -s "$T/prog.err" ] && fail "the program wrote on stderr: $(cat "$T/prog.err")"
exit 0
