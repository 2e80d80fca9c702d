# test_lscache_leaks.sh: liblscache under leakscope.  examples/cache_bounded
# (a service loop that caches 1,000,000 responses of 100-2,000 bytes in an
# lscache bounded to 1,000 entries / 1 MB, then frees it) must show no
# leaks and almost nothing still reachable (libc's own at most), stay
# within its bounds, and keep its live heap bounded: over a 512K budget
# (so the budget sees the cache) but never over 8M, exact or sampled.
. "$(dirname "$0")/../harness/common.sh"
# The examples are built next to the test programs: BUILD/examples.
EXAMPLES="$(cd "$PROGS/../.." && pwd)/examples" || fail "no build directory above $PROGS"
P="$EXAMPLES/cache_bounded"
[ -x "$P" ] || fail "$P is not built (make test-build)"
cd "$T" || fail "cannot enter $T"

"$LEAKSCOPE" run --error-exitcode 3 --report "$T/r.json" -- "$P" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] || fail "run: exit $rc, want 0 (no leaks): $(cat "$T/err")"
grep -q "1000000 requests; cache holds" "$T/out" || fail "unexpected output: $(cat "$T/out")"
grep -q "1000000 insertions" "$T/out" || fail "not every response was cached: $(cat "$T/out")"
$PY - "$T/r.json" "$T/out" <<'EOF' || fail "report or output check failed"
import json, re, sys
report = json.load(open(sys.argv[1]))
summary = report["summary"]
problems = []
for kind in ("definitely_lost", "indirectly_lost", "possibly_lost"):
    if summary[kind]["bytes"] != 0:
        problems.append(f"{kind}: {summary[kind]['bytes']} bytes")
if summary["still_reachable"]["bytes"] >= 64 * 1024:
    problems.append(f"still reachable: {summary['still_reachable']['bytes']} bytes, want under 64 KiB")
m = re.search(r"cache holds (\d+) entries, (\d+) bytes", open(sys.argv[2]).read())
if not m or int(m.group(1)) > 1000 or int(m.group(2)) > 1000000:
    problems.append(f"the cache passed its bounds: {m.group(0) if m else 'no count printed'}")
for p in problems:
    print("FAIL:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# Full mode counts the live heap exactly: it passes 512K (the cache holds
# about 1 MB) and stays under 8M.
"$LEAKSCOPE" run --budget 512K,warn -- "$P" >/dev/null 2>"$T/err" || fail "512K budget: run failed: $(cat "$T/err")"
grep -q "passed the budget" "$T/err" || fail "the live heap never passed 512K: is the cache really holding its values?"
"$LEAKSCOPE" run --budget 8M,warn -- "$P" >/dev/null 2>"$T/err" || fail "8M budget: run failed: $(cat "$T/err")"
grep -q "passed the budget" "$T/err" && fail "full mode: the live heap passed 8M: $(cat "$T/err")"

# Sample mode, as a service would run: the estimated live heap must never
# pass 8M (an abort would exit 134).
"$LEAKSCOPE" run --sample --budget 8M,abort -- "$P" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] || fail "sample mode: exit $rc, want 0 (the live heap passed 8M?): $(cat "$T/err")"
exit 0
