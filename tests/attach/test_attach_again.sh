# test_attach_again.sh: attach, detach, attach again: the agent loaded by
# the first attach is reused (mapped once), and the second profile holds
# only what was allocated since the second attach.  While attached the
# malloc family's GOT entries point into the agent.  A leakscope killed
# with SIGKILL leaves nothing attached: the agent detaches by itself, and
# the next attach works at once; the directory of the dead one is removed.
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"

start_leaker 6000
pid=$LEAKER
sleep 0.3
tasks_before=$(tasks $pid)
$PY "$GOT" $pid --where >"$T/got.before"
grep -q "^attach_leaker malloc libc.so.6$" "$T/got.before" || fail "before: $(cat "$T/got.before")"

"$LEAKSCOPE" attach --sample=8K --duration 1 --profile "$T/p1.pb.gz" $pid 2>"$T/a1.err" || fail "attach 1: $(cat "$T/a1.err")"
wait_state attached 0
near "$(inuse "$T/p1.pb.gz" leak_a)" "$(state leaked_a)" 25 "first attach, leak_a"

"$LEAKSCOPE" attach --sample=8K --duration 1.2 --profile "$T/p2.pb.gz" $pid 2>"$T/a2.err" &
att=$!
wait_state attached 1
sleep 0.3
$PY "$GOT" $pid --where --skip libleakscope --skip libgcc_s >"$T/got.during"
wait $att || fail "attach 2: $(cat "$T/a2.err")"
for entry in "attach_leaker malloc" "attach_leaker free" "libc.so.6 malloc" "libc.so.6 free" "libc.so.6 calloc" "libc.so.6 realloc"; do
  grep -q "^$entry libleakscope.so$" "$T/got.during" || fail "while attached, $entry: $(cat "$T/got.during")"
done
wait_state attached 0
[ "$(agent_maps $pid)" = 1 ] || fail "the agent is mapped $(agent_maps $pid) times, want once"
near "$(inuse "$T/p2.pb.gz" leak_b)" "$(state leaked_b)" 25 "second attach, leak_b"
[ "$(inuse "$T/p2.pb.gz" leak_a)" = 0 ] || fail "the second profile holds the first attach's blocks"
[ "$(tasks $pid)" = "$tasks_before" ] || fail "threads after two attaches: $(tasks $pid), before $tasks_before"

# leakscope killed: the agent goes by itself within a few ticks
"$LEAKSCOPE" attach --sample=8K $pid 2>"$T/a3.err" &
att=$!
wait_state attached 1
dir=$(for f in /proc/$att/fd/*; do readlink "$f"; done | sed -n 's|/lock$||p' | head -1)
[ -d "$dir" ] || fail "cannot find the attach's directory"
kill -KILL $att
wait $att 2>/dev/null
wait_state attached 0 3
n=0
while [ -d "$dir" ]; do
  n=$((n + 1)); [ $n -lt 40 ] || fail "the agent left $dir of the killed leakscope: $(ls "$dir")"; sleep 0.05
done
n=0
while [ "$(tasks $pid)" != "$tasks_before" ]; do
  n=$((n + 1)); [ $n -lt 40 ] || fail "the control thread stayed after leakscope was killed"; sleep 0.05
done
"$LEAKSCOPE" attach --sample=8K --duration 0.3 $pid >"$T/a4.out" 2>"$T/a4.err" || fail "attach after a kill: $(cat "$T/a4.err")"
grep -q "in use at detach" "$T/a4.out" || fail "no heap summary without --profile: $(cat "$T/a4.out")"

wait $pid
[ $? = 5 ] || fail "the program did not end normally"
grep -q "^done$" "$T/prog.out" || fail "the program's output: $(cat "$T/prog.out")"
grep -q EINTR "$T/prog.out" && fail "an attach interrupted a sleep"
exit 0
