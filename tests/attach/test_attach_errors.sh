# test_attach_errors.sh: what `leakscope attach` refuses, each with one line
# on stderr and exit 2, the target left untouched (running, not traced, no
# agent loaded into it): bad command lines, a pid that is not there, a
# zombie, a static binary, a process someone traces, another user's, one
# ptrace may not touch, a second attach while one is attached; and, after
# asking the agent (which then stays loaded and idle), a program that
# already runs under the agent and one whose malloc is not glibc's.
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"

untouched() { # pid, what
  kill -0 "$1" 2>/dev/null || fail "$2: the target is gone"
  grep -q "^TracerPid:[[:space:]]*0$" "/proc/$1/status" || fail "$2: the target is still traced"
  [ "$(agent_maps "$1")" = 0 ] || fail "$2: the agent was loaded into the target"
}

expect_usage_error "no PID" "$LEAKSCOPE" attach
expect_usage_error "a bad PID" "$LEAKSCOPE" attach 12abc
expect_usage_error "two PIDs" "$LEAKSCOPE" attach 1 2
expect_usage_error "an unknown option" "$LEAKSCOPE" attach --report x.json 1
expect_usage_error "a bad --sample" "$LEAKSCOPE" attach --sample=0 1
expect_usage_error "a bad --duration" "$LEAKSCOPE" attach --duration -1 1
expect_usage_error "--interval without --profile" "$LEAKSCOPE" attach --interval 1 1
expect_usage_error "no such process" "$LEAKSCOPE" attach 4194303
expect_usage_error "itself" sh -c 'exec "$0" attach $$' "$LEAKSCOPE"
expect_usage_error "an unwritable --profile" "$LEAKSCOPE" attach --profile /nonexistent/p.pb.gz $$

# a zombie: sleep 0 is never reaped by the sleep that its shell became
sh -c 'sleep 0 & exec sleep 3' &
parent=$!
sleep 0.3
zombie=$(ps -o pid= --ppid $parent | tr -d ' ')
[ -n "$zombie" ] || fail "no zombie to try"
expect_usage_error "a zombie" "$LEAKSCOPE" attach "$zombie"
grep -q "zombie" "$T/err" || fail "zombie: $(cat "$T/err")"
kill $parent; wait $parent 2>/dev/null

# a static binary
"$PROGS/attach_static" 5 >/dev/null &
st=$!
sleep 0.2
expect_usage_error "a static binary" "$LEAKSCOPE" attach $st
grep -q "statically linked" "$T/err" || fail "static: $(cat "$T/err")"
untouched $st "static"
kill $st; wait $st 2>/dev/null

# traced by someone else
if command -v strace >/dev/null; then
  sleep 5 &
  traced=$!
  strace -qq -p $traced -o /dev/null &
  tracer=$!
  n=0
  until ! grep -q "^TracerPid:[[:space:]]*0$" /proc/$traced/status; do
    n=$((n + 1)); [ $n -lt 100 ] || fail "strace did not attach"; sleep 0.05
  done
  expect_usage_error "a traced process" "$LEAKSCOPE" attach $traced
  grep -q "already traced by process $tracer" "$T/err" || fail "traced: $(cat "$T/err")"
  kill $tracer; wait $tracer 2>/dev/null; kill $traced; wait $traced 2>/dev/null
fi

# without permission: another user's process; one of the same user's that
# ptrace may not touch (not dumpable)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  sleep 5 &
  mine=$!
  expect_usage_error "another user's process" as_nobody "$LEAKSCOPE" attach $mine
  grep -q "belongs to user root" "$T/err" || fail "another user: $(cat "$T/err")"
  untouched $mine "another user's"
  kill $mine; wait $mine 2>/dev/null
  setpriv --reuid=nobody --regid=nogroup --clear-groups $PY -c 'import ctypes, time; ctypes.CDLL(None).prctl(4, 0); time.sleep(5)' &
  nodump=$!
  sleep 0.3
  expect_usage_error "a process ptrace may not touch" as_nobody "$LEAKSCOPE" attach $nodump
  grep -q "cannot trace process $nodump" "$T/err" || fail "not dumpable: $(cat "$T/err")"
  untouched $nodump "not dumpable"
  kill $nodump; wait $nodump 2>/dev/null
fi

# two at once
start_leaker 4000
pid=$LEAKER
"$LEAKSCOPE" attach --duration 2 $pid >/dev/null 2>"$T/first.err" &
first=$!
wait_state attached 1
expect_usage_error "a second attach" "$LEAKSCOPE" attach $pid
grep -q "already attached by leakscope (process $first)" "$T/err" || fail "twice: $(cat "$T/err")"
wait $first || fail "the first attach failed: $(cat "$T/first.err")"
kill $pid; wait $pid 2>/dev/null

# already under the agent: leakscope run
"$LEAKSCOPE" run --sample -- "$PROGS/attach_leaker" "$T/run.state" 3000 >/dev/null 2>&1 &
run=$!
n=0
until child=$(ps -o pid= --ppid $run | tr -d ' ') && [ -n "$child" ] && [ -s "$T/run.state" ]; do
  n=$((n + 1)); [ $n -lt 100 ] || fail "leakscope run did not start its program"; sleep 0.05
done
expect_usage_error "a program under leakscope run" "$LEAKSCOPE" attach $child
grep -q "already runs with the agent" "$T/err" || fail "preloaded: $(cat "$T/err")"
wait $run
[ $? = 5 ] || fail "the program under leakscope run did not end normally"

# a malloc of the program's own
LD_PRELOAD="$PROGS/libattach_ownmalloc.so" "$PROGS/attach_leaker" "$T/own.state" 1500 >"$T/own.out" 2>&1 &
own=$!
sleep 0.3
expect_usage_error "a malloc that is not glibc's" "$LEAKSCOPE" attach $own
grep -q "not glibc's: it comes from .*libattach_ownmalloc.so" "$T/err" || fail "own malloc: $(cat "$T/err")"
wait $own
[ $? = 5 ] || fail "the program with its own malloc did not end normally: $(cat "$T/own.out")"
exit 0
