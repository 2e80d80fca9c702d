#!/bin/sh
# test_http_pprof_endpoints.sh: what pprof clients ask of `run --http` besides
# /debug/pprof/heap: /debug/pprof/symbol (GET "num_symbols: 1", POST of
# '+'-joined addresses answered "0xADDR function", as Go's net/http/pprof
# does), /debug/pprof/allocs (the heap samples with alloc_space as the
# default type), `go tool pprof` on heap?debug=1 (it symbolizes through
# /debug/pprof/symbol) when Go is installed; and a port in use is an error
# (exit 2, one line), whoever holds it: another leakscope or any program.
. "$(dirname "$0")/../harness/common.sh"
PROBE="$PY $(cd "$(dirname "$0")" && pwd)/http_probe.py"
SIM=$PROGS/http_server_sim
[ -x "$SIM" ] || fail "missing $SIM (make test-build)"
cd "$T" || exit 2

"$LEAKSCOPE" run --http 127.0.0.1:0 -- "$SIM" 40 >sim.out 2>run.err &
LS=$!
URL=$($PROBE url run.err) || fail "the server did not start: $(cat run.err)"
PORT=${URL##*:}

# a second leakscope on the same port: refused, the first keeps it
expect_usage_error "second leakscope on port $PORT" "$LEAKSCOPE" run --http "127.0.0.1:$PORT" -- "$SIM" 1
grep -q "cannot serve HTTP on 127.0.0.1:$PORT: the port is in use" "$T/err" || fail "port in use: $(cat "$T/err")"
# a port another program listens on
$PY -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open("other.port", "w").write(str(s.getsockname()[1])); sys.stdout.flush(); time.sleep(30)' &
OTHER=$!
i=0; while [ ! -s other.port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_usage_error "port held by another program" "$LEAKSCOPE" run --http "127.0.0.1:$(cat other.port)" -- "$SIM" 1
kill $OTHER 2>/dev/null

# /debug/pprof/symbol
$PROBE get "$URL/debug/pprof/symbol" sym.txt >sym.status || fail "GET symbol"
grep -q '^200 text/plain' sym.status && [ "$(cat sym.txt)" = "num_symbols: 1" ] || fail "GET symbol: $(cat sym.status sym.txt)"
$PROBE get "$URL/debug/pprof/heap?debug=1" heap.txt >/dev/null || fail "GET heap?debug=1"
addrs=$(sed -n 's/^[0-9]*: [0-9]* \[[0-9]*: [0-9]*\] @ //p' heap.txt | head -n 3 | tr ' \n' '++' | sed 's/+*$//')
[ -n "$addrs" ] || fail "no stacks in heap?debug=1: $(head heap.txt)"
$PY - "$URL/debug/pprof/symbol" "$addrs" <<'PYEOF' >symbols.txt || fail "POST symbol"
import sys, urllib.request
with urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=60) as r:
    assert r.status == 200, r.status
    sys.stdout.write(r.read().decode())
PYEOF
head -n 1 symbols.txt | grep -q '^num_symbols: 1$' || fail "POST symbol: $(cat symbols.txt)"
grep -Eq '^0x[0-9a-f]+ sim_handle_request$' symbols.txt || fail "POST symbol names: $(cat symbols.txt)"
grep -Eq '^0x[0-9a-f]+ sim_worker$' symbols.txt || fail "POST symbol names: $(cat symbols.txt)"
first=$(echo "$addrs" | cut -d+ -f1)
grep -q "^$first " symbols.txt || fail "POST symbol: $first not answered: $(cat symbols.txt)"

# /debug/pprof/allocs: a gzip'd profile leakscope reads back
$PROBE get "$URL/debug/pprof/allocs" allocs.pb.gz >allocs.status || fail "GET allocs"
grep -q '^200 application/octet-stream' allocs.status || fail "allocs: $(cat allocs.status)"
"$LEAKSCOPE" report --sample-type alloc_space allocs.pb.gz >allocs.txt || fail "allocs profile unreadable"
grep -q sim_handle_request allocs.txt || fail "allocs profile: $(cat allocs.txt)"

if command -v go >/dev/null 2>&1; then
  export GOCACHE="$T/gocache" HOME="$T/home" GOPROXY=off
  mkdir -p "$HOME"
  go tool pprof -top "$URL/debug/pprof/heap?debug=1" >dbg.out 2>&1 || fail "go tool pprof heap?debug=1: $(cat dbg.out)"
  grep -q 'sim_handle_request\|sim_open_session' dbg.out || fail "go tool pprof heap?debug=1: no names: $(cat dbg.out)"
  go tool pprof -top "$URL/debug/pprof/allocs" >allocs.out 2>&1 || fail "go tool pprof allocs: $(cat allocs.out)"
  grep -q '^Type: alloc_space' allocs.out || fail "allocs default type: $(cat allocs.out)"
else
  echo "note: go is not installed; go tool pprof not run"
fi
kill -INT $LS 2>/dev/null
wait $LS
echo "test_http_pprof_endpoints: all checks passed"
