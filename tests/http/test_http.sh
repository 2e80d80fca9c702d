#!/bin/sh
# test_http.sh: `leakscope run --http`: the endpoints answer with real
# values while the target runs (/metrics, /debug/leakscope/stats,
# /debug/pprof/heap and its ?debug=1 and ?seconds=N forms), faulty requests
# get 4xx, an idle client is dropped, the target never waits for the server,
# and when the target ends the port closes, leakscope exits with the
# program's status and the last profile is kept (also after a crash).
. "$(dirname "$0")/../harness/common.sh"
PROBE="$PY $(cd "$(dirname "$0")" && pwd)/http_probe.py"
SIM=$PROGS/http_server_sim
[ -x "$SIM" ] || fail "missing $SIM (make test-build)"
cd "$T" || exit 2

# -- a run that ends with status 7 ------------------------------------------
mkdir tmp
# (it runs until the checks are done: SIM_STOP_FILE)
SIM_STOP_FILE=$T/stop TMPDIR=$T/tmp "$LEAKSCOPE" run --http 127.0.0.1:0 -- "$SIM" 600 1 7 >sim.out 2>run.err &
LS=$!
URL=$($PROBE url run.err) || fail "the server did not start: $(cat run.err)"
PORT=${URL##*:}
case "$URL" in http://127.0.0.1:*) ;; *) fail "not on loopback: $URL" ;; esac

# /metrics: names, HELP/TYPE, values that move
$PROBE get "$URL/metrics" m1.txt >m1.status || fail "GET /metrics"
grep -q '^200 text/plain;version=0.0.4' m1.status || fail "/metrics: $(cat m1.status)"
for name in leakscope_heap_live_bytes leakscope_heap_live_objects leakscope_heap_allocated_bytes_total \
    leakscope_heap_allocations_total leakscope_heap_frees_total leakscope_process_mapped_bytes \
    leakscope_process_resident_bytes leakscope_sampling_interval_bytes leakscope_snapshots_total \
    leakscope_leak_suspects leakscope_up; do
  grep -q "^# HELP $name " m1.txt || fail "no HELP for $name"
  grep -q "^# TYPE $name " m1.txt || fail "no TYPE for $name"
  grep -q "^$name [0-9]" m1.txt || fail "no value for $name"
done
grep -q '^# TYPE leakscope_heap_allocations_total counter$' m1.txt || fail "allocations_total is not a counter"
grep -q '^leakscope_up 1$' m1.txt || fail "leakscope_up is not 1"
grep -q '^leakscope_sampling_interval_bytes 0$' m1.txt || fail "full mode must have interval 0"
live1=$(awk '$1=="leakscope_heap_live_bytes"{print $2}' m1.txt)
allocs1=$(awk '$1=="leakscope_heap_allocations_total"{print $2}' m1.txt)
rss=$(awk '$1=="leakscope_process_resident_bytes"{print $2}' m1.txt)
[ "$live1" -gt 0 ] && [ "$allocs1" -gt 1000 ] && [ "$rss" -gt 1000000 ] ||
  fail "implausible values: live $live1 allocations $allocs1 rss $rss"
sleep 1.5
live2=$($PROBE metric "$URL/metrics" leakscope_heap_live_bytes) || fail "second scrape"
allocs2=$($PROBE metric "$URL/metrics" leakscope_heap_allocations_total) || fail "second scrape"
[ "$allocs2" -gt "$allocs1" ] || fail "allocations_total did not grow: $allocs1 -> $allocs2"
[ "$live2" -gt "$live1" ] || fail "the leaking target's live bytes did not grow: $live1 -> $live2"

# JSON statistics
$PROBE get "$URL/debug/leakscope/stats" stats.json >stats.status || fail "GET stats"
grep -q '^200 application/json' stats.status || fail "stats: $(cat stats.status)"
$PY -c '
import json, sys
s = json.load(open("stats.json"))
assert s["schema"] == "leakscope-stats/1" and s["up"] is True and s["mode"] == "full", s
assert s["live_bytes"] > 0 and s["allocations_total"] >= s["frees_total"] > 0, s
assert s["live_objects"] == s["allocations_total"] - s["frees_total"], s
' || fail "bad stats JSON: $(cat stats.json)"

# the heap profile, its text form and a delta
$PROBE get "$URL/debug/pprof/heap" heap.pb.gz >heap.status || fail "GET heap"
grep -q '^200 application/octet-stream' heap.status || fail "heap: $(cat heap.status)"
$PROBE gunzip heap.pb.gz || fail "the heap profile is not gzip data"
"$LEAKSCOPE" report heap.pb.gz >report.txt 2>&1 || fail "report of the served profile: $(cat report.txt)"
grep -q sim_open_session report.txt || fail "the served profile lacks the leaking site: $(cat report.txt)"
$PROBE get "$URL/debug/pprof/heap?debug=1&gc=1" heap.txt >/dev/null || fail "GET heap?debug=1"
head -n 1 heap.txt | grep -q '^heap profile: [0-9]*: [0-9]* \[[0-9]*: [0-9]*\] @ heapprofile$' ||
  fail "debug=1 header: $(head -n 1 heap.txt)"
grep -q 'sim_open_session (http_server_sim.c:' heap.txt || fail "debug=1 lacks symbolized frames"
grep -q '^# live_bytes = [0-9]' heap.txt || fail "debug=1 lacks the statistics"
delta=$($PROBE delta_header "$URL/debug/pprof/heap?seconds=1&debug=1") || fail "delta"
full=$($PROBE delta_header "$URL/debug/pprof/heap?debug=1") || fail "full"
set -- $delta $full
[ "$2" -gt 0 ] && [ "$2" -lt "$4" ] || fail "delta alloc bytes $2 not in (0, total $4)"
$PROBE get "$URL/debug/pprof/heap?seconds=1" delta.pb.gz | grep -q '^200 ' || fail "binary delta"
$PROBE gunzip delta.pb.gz || fail "the delta profile is not gzip data"
$PROBE get "$URL/debug/pprof/" index.html | grep -q '^200 text/html' || fail "index"
grep -q 'href="heap?debug=1"' index.html || fail "index lacks links"

# faults: 4xx, and the server keeps answering
[ "$($PROBE raw 127.0.0.1 "$PORT" garbage)" = 400 ] || fail "garbage request not 400"
[ "$($PROBE raw 127.0.0.1 "$PORT" bigheader)" = 431 ] || fail "oversized header not 431"
[ "$($PROBE raw 127.0.0.1 "$PORT" biguri)" = 414 ] || fail "oversized URI not 414"
[ "$($PROBE raw 127.0.0.1 "$PORT" post)" = 405 ] || fail "POST not 405"
[ "$($PROBE raw 127.0.0.1 "$PORT" body)" = 413 ] || fail "GET with a body not 413"
$PROBE get "$URL/nope" | grep -q '^404 ' || fail "unknown path not 404"
$PROBE get "$URL/debug/pprof/heap?seconds=abc" | grep -q '^400 ' || fail "bad seconds not 400"
idle=$($PROBE idle 127.0.0.1 "$PORT" 20) || fail "idle client not dropped"
echo "idle client dropped after $idle s"
$PROBE get "$URL/metrics" | grep -q '^leakscope_up 1$' || fail "server stopped answering after faults"

touch "$T/stop"
wait $LS
rc=$?
[ $rc -eq 7 ] || fail "leakscope exited $rc, not the program's 7: $(cat run.err)"
$PROBE closed 127.0.0.1 "$PORT" || fail "the port stayed open after the target exited"
grep -q '^iterations [0-9]* per_second' sim.out || fail "the program did not finish: $(cat sim.out)"
# the last profile goes to the temporary directory, never the current one
ls leakscope-http.*.pb.gz >/dev/null 2>&1 && fail "the last profile was kept in the current directory"
kept=$(ls "$T"/tmp/leakscope-http.*.pb.gz 2>/dev/null)
[ -n "$kept" ] || fail "no kept profile: $(cat run.err)"
grep -q "is kept in $kept" run.err || fail "the kept profile is not announced"
"$LEAKSCOPE" report "$kept" | grep -q sim_open_session || fail "the kept profile lacks the site"
rm -f "$T"/tmp/leakscope-http.*.pb.gz

# -- the target never waits for the server: stop the supervisor -------------
"$LEAKSCOPE" run --http 127.0.0.1:0 --output-dir . -- "$SIM" 2 >sim2.out 2>run2.err &
LS=$!
$PROBE url run2.err >/dev/null || fail "the second server did not start"
kill -STOP $LS
sleep 6
grep -q '^iterations' sim2.out || { kill -CONT $LS; fail "the target waited for the stopped server"; }
kill -CONT $LS
wait $LS || fail "second run failed"
rm -f leakscope-http.*.pb.gz

# -- a crash: the server ends, the exit snapshot (the agent reports a fatal
# signal as memcheck does) is the last profile kept ---------------------------
"$LEAKSCOPE" run --http 127.0.0.1:0 --output-dir "$T" -- "$SIM" 8 1 crash >sim3.out 2>run3.err &
LS=$!
URL=$($PROBE url run3.err) || fail "the third server did not start"
$PROBE get "$URL/debug/pprof/heap" h3.pb.gz | grep -q '^200 ' || fail "heap before the crash"
wait $LS
rc=$?
[ $rc -eq 139 ] || fail "a crashed target must give 139, got $rc: $(cat run3.err)"
$PROBE closed 127.0.0.1 "${URL##*:}" || fail "the port stayed open after the crash"
grep -q "the last heap profile (exit snapshot) is kept in $T/leakscope-http" run3.err ||
  fail "no profile kept after the crash: $(cat run3.err)"
echo "ok"
