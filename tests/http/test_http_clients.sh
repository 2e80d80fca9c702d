#!/bin/sh
# test_http_clients.sh: real clients against `leakscope run --http`:
# `promtool check metrics` finds no problem in /metrics, a Prometheus server
# on loopback scrapes the target (health "up"), and `go tool pprof -top`
# reads /debug/pprof/heap while the target runs.  Skips (77) only when
# promtool, prometheus or go is not installed.
. "$(dirname "$0")/../harness/common.sh"
PROBE="$PY $(cd "$(dirname "$0")" && pwd)/http_probe.py"
SIM=$PROGS/http_server_sim
[ -x "$SIM" ] || fail "missing $SIM (make test-build)"
for tool in promtool prometheus go; do
  command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done
cd "$T" || exit 2

"$LEAKSCOPE" run --http 127.0.0.1:0 --output-dir . -- "$SIM" 40 >sim.out 2>run.err &
LS=$!
URL=$($PROBE url run.err) || fail "the server did not start: $(cat run.err)"
PORT=${URL##*:}

# promtool: lint and parse problems are printed and give a nonzero status
$PROBE get "$URL/metrics" metrics.txt >/dev/null || fail "GET /metrics"
promtool check metrics <metrics.txt >promtool.out 2>&1 || fail "promtool: $(cat promtool.out)"
[ -s promtool.out ] && fail "promtool reported: $(cat promtool.out)"

# go tool pprof over HTTP
export GOCACHE="$T/gocache" HOME="$T/home"
mkdir -p "$HOME"
go tool pprof -top "$URL/debug/pprof/heap" >pprof.out 2>&1 || fail "go tool pprof: $(cat pprof.out)"
grep -q 'Type: inuse_space' pprof.out || fail "go tool pprof: no inuse_space: $(cat pprof.out)"
grep -q 'sim_open_session' pprof.out || fail "go tool pprof: no leaking site: $(cat pprof.out)"
go tool pprof -top -sample_index=alloc_space "$URL/debug/pprof/heap?seconds=1" >delta.out 2>&1 ||
  fail "go tool pprof delta: $(cat delta.out)"
grep -q 'sim_handle_request' delta.out || fail "delta profile lacks the request site: $(cat delta.out)"

# a Prometheus server scrapes us every second
PPORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >prom.yml <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: leakscope
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
prometheus --config.file=prom.yml --storage.tsdb.path="$T/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" >prom.log 2>&1 &
PROM=$!
health=""
for i in $(seq 1 40); do
  sleep 0.5
  health=$($PY - "$PPORT" <<'PYEOF' 2>/dev/null
import json, sys, urllib.request
t = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/targets" % sys.argv[1], timeout=2))
active = t["data"]["activeTargets"]
print(active[0]["health"] if active else "none")
PYEOF
)
  [ "$health" = up ] && break
done
# and it has our values
value=""
if [ "$health" = up ]; then
  value=$($PY - "$PPORT" <<'PYEOF' 2>/dev/null
import json, sys, urllib.request
q = "http://127.0.0.1:%s/api/v1/query?query=leakscope_heap_live_bytes" % sys.argv[1]
r = json.load(urllib.request.urlopen(q, timeout=2))["data"]["result"]
print(r[0]["value"][1] if r else "")
PYEOF
)
fi
kill $PROM
wait $PROM 2>/dev/null
[ "$health" = up ] || fail "Prometheus target health '$health': $(tail -n 5 prom.log)"
[ -n "$value" ] && [ "$value" -gt 0 ] || fail "Prometheus has no leakscope_heap_live_bytes ('$value')"
echo "prometheus scraped leakscope_heap_live_bytes=$value"

kill -TERM $LS # forwarded to the target
wait $LS
rm -f leakscope-http.*.pb.gz
echo ok
