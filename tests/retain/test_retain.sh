# test_retain.sh: `leakscope retain` on retain_cache, whose truth lines say
# what each root alone keeps alive.  For a report from `leakscope run
# --report` and for the agent's raw snapshot, the JSON retention section
# must give: g_cache and g_config their exact retained sizes; the block two
# globals share counted as shared and retained by neither; the worker's
# stack its session; g_cache's top retainer allocated in cache_create, with
# the cache struct as its path.  The text form names the roots the same
# way and reads back the same from the JSON it wrote.  Bad input (a missing
# file, a pprof profile, a sample-mode snapshot, an unknown option) exits 2
# with one line on stderr.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/retain_cache"
[ -x "$P" ] || fail "$P is not built"

# check_json OUT.json TRUTH: the retention section of OUT.json against the
# program's truth lines.
check_json() {
  $PY - "$1" "$2" <<'PYEOF'
import json, sys

retention = json.load(open(sys.argv[1], encoding="utf-8"))["retention"]
truth, tid = {}, None
for line in open(sys.argv[2]):
    f = line.split()
    if f[0] == "thread_tid":
        tid = int(f[1])
    else:
        truth[f[0]] = (int(f[1]), int(f[2]))
problems = []
roots = retention["roots"]
by_name = {r["name"]: (i, r) for i, r in enumerate(roots)}

sizes = [r["retained_bytes"] for r in roots]
if sizes != sorted(sizes, reverse=True):
    problems.append(f"roots are not sorted largest first: {sizes}")

def root_named(name):
    if name not in by_name:
        problems.append(f"no root named {name!r}; roots: {[r['name'] for r in roots]}")
        return None, None
    return by_name[name]

def retained(r):
    return (r["retained_bytes"], r["retained_blocks"])

# Every block under g_cache and g_config is reachable from that global only.
for var in ("g_cache", "g_config"):
    i, r = root_named(f"global {var} (retain_cache)")
    if r is None:
        continue
    if r["kind"] != "global" or r.get("symbol") != var or not str(r.get("object")).endswith("/retain_cache"):
        problems.append(f"root of {var}: kind {r['kind']!r}, symbol {r.get('symbol')!r}, object {r.get('object')!r}")
    if retained(r) != truth[var]:
        problems.append(f"{var} retains {retained(r)} (bytes, blocks), want {truth[var]}")

# The structure both g_shared_a and g_shared_b point at is reachable through
# several roots: in "shared" (which may hold more, from libc), in neither
# global's retained size (they hold nothing else, so 0).
shared_bytes, shared_blocks = truth["shared"]
s = retention["shared"]
if s["bytes"] < shared_bytes or s["blocks"] < shared_blocks:
    problems.append(f"shared is {s}, want at least {truth['shared']} (bytes, blocks)")
for var in ("g_shared_a", "g_shared_b"):
    for r in roots:
        if r.get("symbol") == var and r["retained_bytes"] != 0:
            problems.append(f"{r['name']} retains {retained(r)}, want nothing: its block is shared")
held_by_several = [t for t in retention["retainers"]
                   if t["root"] is None and any(f.get("function") == "shared_make" for f in t["stack"])]
if len(held_by_several) != 1 or (held_by_several[0]["retained_bytes"],
                                 held_by_several[0]["retained_blocks"]) != truth["shared"]:
    problems.append(f"want one retainer held through several roots from shared_make retaining "
                    f"{truth['shared']}, got {held_by_several}")

# The worker's session is held by its local variable only.  Exact: at -O0
# the pointer lives in the worker's frame alone (no callee-saved register
# keeps a copy, which would make it shared with "registers of thread TID"),
# and nothing else allocated is reachable from that stack only (glibc holds
# the thread's DTV through an interior pointer, so it is not reachable).
i, r = root_named(f"stack of thread {tid}")
if r is not None:
    if r["kind"] != "stack" or r.get("tid") != tid:
        problems.append(f"worker stack root: kind {r['kind']!r}, tid {r.get('tid')!r}, want stack, {tid}")
    if retained(r) != truth["thread_stack"]:
        problems.append(f"the worker's stack retains {retained(r)}, want {truth['thread_stack']}")

# g_cache's largest retainer: the cache struct, allocated in cache_create,
# its path one step from g_cache.
cache_index, _ = by_name.get("global g_cache (retain_cache)", (None, None))
tops = [t for t in retention["retainers"] if cache_index is not None and t["root"] == cache_index]
if not tops:
    problems.append("no retainer held from g_cache's root")
else:
    t = tops[0]
    functions = [f.get("function") for f in t["stack"]]
    if "cache_create" not in functions:
        problems.append(f"g_cache's top retainer was allocated in {functions}, want cache_create among them")
    if (t["retained_bytes"], t["retained_blocks"]) != truth["g_cache"]:
        problems.append(f"g_cache's top retainer retains {(t['retained_bytes'], t['retained_blocks'])}, "
                        f"want {truth['g_cache']}")
    path = t.get("path") or [{}]
    if t.get("path_root") != cache_index or path[0].get("address") != t["address"] \
            or path[0].get("function") != "cache_create" or len(path) != 1:
        problems.append(f"g_cache's top retainer: path from root {t.get('path_root')} is {path}, "
                        f"want the cache struct at {t['address']} (cache_create) straight from g_cache")

want_reachable = sum(b for b, _ in truth.values()), sum(n for _, n in truth.values())
got_reachable = retention["reachable"]["bytes"], retention["reachable"]["blocks"]
if got_reachable[0] < want_reachable[0] or got_reachable[1] < want_reachable[1]:
    problems.append(f"reachable {got_reachable}, want at least the truth's sum {want_reachable}")

for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
PYEOF
}

# check_text TEXT TRUTH: the text form names the roots with their sizes.
check_text() {
  bytes=$(awk '$1 == "g_cache" { print $2 }' "$2" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta')
  grep -q "^==[0-9]*==  *$bytes bytes in [0-9,]* blocks: global g_cache (retain_cache)$" "$1" ||
    fail "text: no root line for g_cache with $bytes bytes: $(head -n 12 "$1")"
  tid=$(awk '$1 == "thread_tid" { print $2 }' "$2")
  grep -q "blocks: stack of thread $tid$" "$1" || fail "text: no root line for the worker's stack (thread $tid)"
  grep -q "held by: several roots, the nearest global g_shared_[ab] (retain_cache)$" "$1" ||
    fail "text: the shared block is not held by several roots"
}

# (a) a report from leakscope run --report
timeout -k 5 120 "$LEAKSCOPE" run --report "$T/r.json" -- "$P" >"$T/truth1" 2>"$T/err" ||
  fail "leakscope run failed: $(head -c 300 "$T/err")"
"$LEAKSCOPE" retain "$T/r.json" --json "$T/out1.json" >"$T/text1" 2>"$T/err" ||
  fail "retain on the report failed: $(cat "$T/err")"
check_json "$T/out1.json" "$T/truth1" || fail "retention from the report is wrong (see above)"
check_json "$T/r.json" "$T/truth1" || fail "retention in the run's own report is wrong (see above)"
check_text "$T/text1" "$T/truth1"
"$LEAKSCOPE" retain "$T/out1.json" >"$T/text1b" 2>"$T/err" || fail "retain on its own JSON failed: $(cat "$T/err")"
cmp -s "$T/text1" "$T/text1b" || fail "text from the report and from the JSON it wrote differ"

# (b) the agent's raw snapshot
timeout -k 5 120 env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=$T/raw.%p" "$P" >"$T/truth2" ||
  fail "retain_cache under the agent failed"
raw=$(ls "$T"/raw.*)
[ "$(echo "$raw" | wc -l)" -eq 1 ] || fail "want one raw snapshot, got: $raw"
"$LEAKSCOPE" retain "$raw" --json "$T/out2.json" >"$T/text2" 2>"$T/err" ||
  fail "retain on the raw snapshot failed: $(cat "$T/err")"
check_json "$T/out2.json" "$T/truth2" || fail "retention from the raw snapshot is wrong (see above)"
check_text "$T/text2" "$T/truth2"
"$LEAKSCOPE" retain "$T/out2.json" >"$T/text2b" 2>"$T/err" || fail "retain on its own JSON failed: $(cat "$T/err")"
cmp -s "$T/text2" "$T/text2b" || fail "text from the raw snapshot and from the JSON it wrote differ"

# bad input: exit 2, one line on stderr, nothing on stdout
expect_retain_error() {  # description, command...
  expect_usage_error "$@"
  [ -s "$T/out" ] && fail "$1: output on stdout: $(head -n 3 "$T/out")"
  return 0
}
"$LEAKSCOPE" run --profile "$T/p.pb.gz" -- "$P" >/dev/null 2>&1 || fail "run --profile failed"
timeout -k 5 120 env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="mode=sample,out=$T/sample.raw" "$P" >/dev/null ||
  fail "retain_cache in sample mode failed"
expect_retain_error "missing file" "$LEAKSCOPE" retain "$T/none.raw"
expect_retain_error "pprof profile" "$LEAKSCOPE" retain "$T/p.pb.gz"
expect_retain_error "sample-mode snapshot" "$LEAKSCOPE" retain "$T/sample.raw"
expect_retain_error "unknown option" "$LEAKSCOPE" retain "$T/r.json" --frobnicate

# The gate: a failed still_reachable rule names the roots that hold the
# memory, on stdout and in assert_result.json.
printf 'leak_summary:\n  still_reachable: 1024\n' >"$T/gate.yaml"
"$LEAKSCOPE" gate --config "$T/gate.yaml" --json "$T/assert.json" "$T/r.json" >"$T/gate.out" 2>&1
[ $? -eq 1 ] || fail "the gate passed still_reachable over 1024 bytes: $(cat "$T/gate.out")"
grep -q "^  held by global g_cache (retain_cache): 375904 bytes in 3602 blocks" "$T/gate.out" ||
  fail "the gate does not say who holds the memory: $(cat "$T/gate.out")"
$PY - "$T/assert.json" <<'PYEOF' || fail "assert_result.json has no holders"
import json, sys
rule = [r for r in json.load(open(sys.argv[1]))["rules"] if r["rule"] == "leak_summary.still_reachable"][0]
top = rule["holders"][0]
assert rule["status"] == "fail" and top["root"] == "global g_cache (retain_cache)", rule
assert top["retained_bytes"] == 375904 and top["retained_blocks"] == 3602, top
PYEOF

# Thread-local roots (leak_tls.c): the main thread's t_buf (111 bytes) and
# t_slots (222), and t_buf of the thread still blocked at exit (333), each
# named by its TLS symbol and thread.
"$LEAKSCOPE" run --report "$T/tls.json" -- "$PROGS/leak_tls" >/dev/null 2>&1 || fail "run leak_tls failed"
$PY - "$T/tls.json" <<'PYEOF' || fail "TLS roots are wrong"
import json, sys
report = json.load(open(sys.argv[1]))
pid = report["pid"]
roots = {(r["symbol"], r["tid"] == pid): r for r in report["retention"]["roots"] if r["kind"] == "tls"}
want = {("t_buf", True): 111, ("t_slots", True): 222, ("t_buf", False): 333}
for key, size in want.items():
    r = roots.get(key)
    print(key, "->", r and (r["name"], r["retained_bytes"], r["retained_blocks"]))
    if r is None or r["retained_bytes"] != size or r["retained_blocks"] != 1:
        sys.exit(1)
    if not r["object"].endswith("/leak_tls"):
        sys.exit(1)
if "TLS variable t_buf of the main thread %d (leak_tls)" % pid not in {r["name"] for r in roots.values()}:
    sys.exit(1)
PYEOF
exit 0
