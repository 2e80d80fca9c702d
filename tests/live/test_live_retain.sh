#!/bin/sh
# test_live_retain.sh: live "who holds it" for a program running under
# leakscope run, in full and in sample mode: `leakscope retain --pid` and
# GET /debug/leakscope/retain (?format=json, ?addr=) name the global cache
# as the holder of its bodies with the right bytes (sample mode: within
# sampling error), the stack and the TLS variable holding the others, and
# the chain from g_cache to one body's address; the program's output,
# exit status and its own wait for its child are unchanged, its sleeps are
# not cut short by the stop (EINTR), and no child
# of the agent's is left; bad input and a request while another runs get
# one line (exit 2) or a 4xx.
. "$(dirname "$0")/../harness/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE="$PY $HERE/../http/http_probe.py"
CHECK="$PY $HERE/check_retain.py"
PROG=$PROGS/live_cache
[ -x "$PROG" ] || fail "missing $PROG (make test-build)"
cd "$T" || exit 2
ENTRIES=2000
BODY=4096
WANT_OUT="entries $ENTRIES body $BODY child exited 7 sleeps cut short 0"

# The program alone: what it prints.
"$PROG" alone.addr alone.stop "$ENTRIES" "$BODY" >alone.out 2>alone.err &
ALONE=$!
for i in $(seq 300); do [ -s alone.addr ] && break; sleep 0.1; done
touch alone.stop
wait $ALONE || fail "the program alone failed: $?"
[ "$(cat alone.out)" = "$WANT_OUT" ] || fail "the program alone printed: $(cat alone.out)"

# start NAME RUN-OPTIONS...: PROG under leakscope run; sets LS and PID.
start() {
  name=$1; shift
  "$LEAKSCOPE" run "$@" -- "$PROG" "$T/$name.addr" "$T/$name.stop" "$ENTRIES" "$BODY" >"$name.out" 2>"$name.err" &
  LS=$!
  for i in $(seq 300); do [ -s "$name.addr" ] && break; sleep 0.1; done
  [ -s "$name.addr" ] || fail "$name: the program did not start: $(cat "$name.err")"
  PID=$(pgrep -P "$LS" | head -n 1)
  [ -n "$PID" ] || fail "$name: no target process"
}

# finish NAME: stop the program; its output and status are its own.
finish() {
  touch "$T/$1.stop"
  wait "$LS"
  rc=$?
  [ $rc -eq 0 ] || fail "$1: leakscope run exited $rc: $(cat "$1.err")"
  [ "$(cat "$1.out")" = "$WANT_OUT" ] || fail "$1: the program printed '$(cat "$1.out")', alone '$WANT_OUT'"
}

# no_zombie NAME: the agent's copies were reaped (only the program's own
# child, which it waits for, may be there).
no_zombie() {
  sleep 0.3
  z=$(ps -o pid=,stat= --ppid "$PID" | awk '$2 ~ /^Z/' | wc -l)
  [ "$z" -eq 0 ] || fail "$1: $z zombie children of the target: $(ps -o pid=,stat=,args= --ppid "$PID")"
}

# the run's directory, from the agent's options in the target's environment
run_dir() { tr '\0' '\n' <"/proc/$PID/environ" | sed -n 's/^LEAKSCOPE_OPTIONS=.*out=\([^,]*\)\/raw\.%p.*/\1/p'; }

for mode in full sample; do
  if [ $mode = sample ]; then start $mode --sample=16384; else start $mode; fi
  "$LEAKSCOPE" retain --pid "$PID" --json "$mode.json" >"$mode.txt" 2>"$mode.rerr" ||
    fail "$mode: retain --pid: $(cat "$mode.rerr")"
  $CHECK "$mode.json" $mode $ENTRIES $BODY || fail "$mode: $(cat "$mode.txt")"
  grep -q "taken live: the program was stopped" "$mode.txt" || fail "$mode: no pause line: $(cat "$mode.txt")"
  grep -q "held by global g_cache (live_cache)" "$mode.txt" || fail "$mode: the text names no holder: $(cat "$mode.txt")"
  # who points at the address of one body
  addr=$(cat "$mode.addr")
  "$LEAKSCOPE" retain --pid "$PID" --addr "$addr" >"$mode.chain" 2>"$mode.cerr" || fail "$mode: --addr: $(cat "$mode.cerr")"
  grep -q "^==$PID== $addr is 10 bytes into a 4,1[0-9][0-9]-byte block" "$mode.chain" ||
    grep -q "^==$PID== $addr is 10 bytes into a 4,096-byte block" "$mode.chain" || fail "$mode: chain: $(cat "$mode.chain")"
  grep -q "pointed at from: global g_cache (live_cache)" "$mode.chain" || fail "$mode: chain root: $(cat "$mode.chain")"
  [ "$(grep -c -- ' -> 0x' "$mode.chain")" -eq 3 ] || fail "$mode: want g_cache -> entry -> entry -> body: $(cat "$mode.chain")"
  if [ $mode = full ]; then
    grep -q "at 0x[0-9A-F]*: parse_body (live_cache.c:" "$mode.chain" || fail "full: the body's stack: $(cat "$mode.chain")"
  fi
  expect_usage_error "$mode: --addr not a number" "$LEAKSCOPE" retain --pid "$PID" --addr 0xfoo
  # a request while another one runs: one line, the program undisturbed
  dir=$(run_dir)
  [ -d "$dir" ] || fail "$mode: no run directory in the target's environment"
  echo $$ >"$dir/raw.$PID.retain.lock"
  expect_usage_error "$mode: a request while another runs" "$LEAKSCOPE" retain --pid "$PID"
  grep -q "being taken already" "$T/err" || fail "$mode: busy message: $(cat "$T/err")"
  rm -f "$dir/raw.$PID.retain.lock"
  no_zombie $mode
  finish $mode
done

# not a program under leakscope run
expect_usage_error "a process without the agent" "$LEAKSCOPE" retain --pid $$
expect_usage_error "FILE and --pid" "$LEAKSCOPE" retain x.raw --pid $$

# -- over HTTP (sample mode, the production case) ----------------------------
start http --sample=16384 --http 127.0.0.1:0
URL=$($PROBE url http.err) || fail "the server did not start: $(cat http.err)"
$PROBE get "$URL/debug/leakscope/retain?format=json" http.json >http.status || fail "GET retain?format=json"
grep -q '^200 application/json' http.status || fail "retain?format=json: $(cat http.status)"
$CHECK http.json sample $ENTRIES $BODY || fail "http: the JSON answer"
$PROBE get "$URL/debug/leakscope/retain" http.txt >http.status || fail "GET retain"
grep -q '^200 text/plain' http.status || fail "retain: $(cat http.status)"
grep -q "held by global g_cache (live_cache)" http.txt || fail "http: the text names no holder: $(cat http.txt)"
addr=$(cat http.addr)
$PROBE get "$URL/debug/leakscope/retain?addr=$addr" http.chain >http.status || fail "GET retain?addr="
grep -q '^200 ' http.status && grep -q "pointed at from: global g_cache (live_cache)" http.chain ||
  fail "http: ?addr=: $(cat http.status) $(cat http.chain)"
$PROBE get "$URL/debug/pprof/" index.html >http.status || fail "GET the index"
grep -q 'href="/debug/leakscope/retain"' index.html || fail "the index does not link the retain page"
$PROBE get "$URL/debug/leakscope/retain?addr=nonsense" bad.txt >http.status || fail "GET retain?addr=nonsense"
grep -q '^400 ' http.status || fail "?addr=nonsense: $(cat http.status)"
dir=$(run_dir)
echo $$ >"$dir/raw.$PID.retain.lock"
$PROBE get "$URL/debug/leakscope/retain" busy.txt >http.status || fail "GET retain while busy"
grep -q '^409 ' http.status || fail "a request while another runs: $(cat http.status) $(cat busy.txt)"
rm -f "$dir/raw.$PID.retain.lock"
no_zombie http
finish http
exit 0
