# test_trace.sh: `run --trace FILE` writes the heap over time as a Chrome
# Trace Event file (INTERCHANGE.md on trace events): an object whose displayTimeUnit
# comes first, a process_name metadata event, a "heap" counter per snapshot
# (one a second by default) with increasing times in microseconds, a "sites"
# counter whose keys are the same at every point and follow grow_cache's
# growth, an "exit" instant, and ASCII only.  Both modes.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/grow_steps"

for mode in "" "--sample"; do
  rm -f "$T/t.json"
  "$LEAKSCOPE" run $mode --trace "$T/t.json" -- "$P" 1 3 >/dev/null 2>"$T/err" ||
    fail "run $mode --trace failed: $(cat "$T/err")"
  $PY - "$T/t.json" "$mode" <<'PYEOF' || fail "bad trace ($mode)"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert raw.lstrip()[:1] == b"{", "not an object"
assert all(b < 0x80 for b in raw), "non-ASCII bytes"
doc = json.loads(raw)
assert list(doc)[0] == "displayTimeUnit" and doc["displayTimeUnit"] == "ms", list(doc)
ev = doc["traceEvents"]
meta = [e for e in ev if e["ph"] == "M"]
assert meta and meta[0]["name"] == "process_name" and meta[0]["args"]["name"] == "grow_steps", meta
heap = [e for e in ev if e["ph"] == "C" and e["name"] == "heap"]
sites = [e for e in ev if e["ph"] == "C" and e["name"] == "sites"]
assert len(heap) >= 4, "want a point a second over about 4 s, got %d" % len(heap)
ts = [e["ts"] for e in heap]
assert ts == sorted(ts) and ts[0] > 0, ts
for e in heap + sites:
    assert all(isinstance(v, (int, float)) for v in e["args"].values()), e
    assert e["pid"] == meta[0]["pid"]
keys = [tuple(sorted(e["args"])) for e in sites]
assert len(set(keys)) == 1 and len(keys) == len(heap), "site keys change between points"
grow = [k for k in keys[0] if k.startswith("grow_cache")]
assert grow, keys[0]
series = [e["args"][grow[0]] for e in sites]
peak = max(series)
print(sys.argv[2] or "full", "grow_cache:", series)
assert peak >= 8 << 20, "grow_cache never held 8 MiB: %s" % series
assert series[-1] == 0, "the program frees everything before it exits"
inst = [e for e in ev if e["ph"] == "i"]
assert inst and inst[-1]["name"] == "exit" and inst[-1]["s"] == "p", inst
PYEOF
done
expect_usage_error "trace in a missing directory" "$LEAKSCOPE" run --trace /nonexistent/dir/t.json -- /bin/true
exit 0
