#!/bin/sh
# test_records.sh: the records of a leak report, on leak_tree.  The largest
# definitely-lost record must be the two tree roots (2 blocks) allocated at
# the malloc call in node_new (the line marked LEAK_SITE in
# tests/progs/leak_tree.c): first frame function node_new, file
# leak_tree.c, that line.  The 16-byte block of make_label is a definite
# record of its own, the 60 other tree nodes one indirect record, the
# global tree one reachable record; records are sorted largest first
# (bytes plus indirect_bytes, where a record has that extra field), and
# each kind's records add up to the summary's blocks.
. "$(dirname "$0")/../harness/common.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
prog="$PROGS/leak_tree"
src="$LEAKSCOPE_ROOT/tests/progs/leak_tree.c"
[ -x "$prog" ] || fail "$prog is not built"
line=$(grep -n 'LEAK_SITE \*/' "$src" | cut -d: -f1)
[ -n "$line" ] || fail "no LEAK_SITE line in $src"
timeout -k 5 120 "$LEAKSCOPE" run --report "$T/tree.json" -- "$prog" >/dev/null 2>"$T/err" ||
  fail "leakscope run failed: $(head -c 300 "$T/err")"
$PY - "$T/tree.json" "$line" <<'PYEOF' || fail "records of leak_tree are wrong (see above)"
import json, os, sys

path, site_line = sys.argv[1], int(sys.argv[2])
report = json.load(open(path, encoding="utf-8"))
records = report["records"]
problems = []

def frame0(rec):
    stack = rec.get("stack") or [{}]
    return stack[0]

def describe(rec):
    f = frame0(rec)
    return (f"{rec.get('kind')} {rec.get('bytes')} bytes in {rec.get('blocks')} blocks at "
            f"{f.get('function')} {f.get('file')}:{f.get('line')}")

for r in records:
    print("record:", describe(r))

# A definite record's size is its own bytes plus the indirect bytes it holds
# (memcheck orders loss records by that total too).
sizes = [r["bytes"] + r.get("indirect_bytes", 0) for r in records]
if sizes != sorted(sizes, reverse=True):
    problems.append(f"records are not sorted largest first: bytes (+ indirect_bytes) {sizes}")

for kind in ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable"):
    total = sum(r["blocks"] for r in records if r["kind"] == kind)
    want = report["summary"][kind]["blocks"]
    if total != want:
        problems.append(f"{kind} records hold {total} blocks, summary says {want}")

def check_site(rec, what, function, line=None):
    f = frame0(rec)
    if f.get("function") != function:
        problems.append(f"{what}: first frame function {f.get('function')!r}, want {function!r}")
    if os.path.basename(str(f.get("file"))) != "leak_tree.c":
        problems.append(f"{what}: first frame file {f.get('file')!r}, want leak_tree.c")
    if line is not None and f.get("line") != line:
        problems.append(f"{what}: first frame line {f.get('line')!r}, want {line} (the malloc call)")

definite = [r for r in records if r["kind"] == "definitely_lost"]
if not definite:
    problems.append("no definitely_lost record")
else:
    top = max(definite, key=lambda r: r["bytes"])
    if top["blocks"] != 2 or top["bytes"] not in (96, 96 + 2880):
        problems.append(f"largest definite record is {describe(top)}, want the 2 tree roots (96 bytes)")
    check_site(top, "largest definite record", "node_new", site_line)
    labels = [r for r in definite if r["bytes"] == 16 and r["blocks"] == 1]
    if len(labels) != 1:
        problems.append("want one definite record of 16 bytes in 1 block (make_label)")
    else:
        check_site(labels[0], "make_label record", "make_label")

indirect = [r for r in records if r["kind"] == "indirectly_lost"]
if len(indirect) != 1 or indirect[0]["bytes"] != 2880 or indirect[0]["blocks"] != 60:
    problems.append(f"want one indirect record of 2880 bytes in 60 blocks, got {[describe(r) for r in indirect]}")
else:
    check_site(indirect[0], "indirect record", "node_new", site_line)

reachable = [r for r in records if r["kind"] == "still_reachable"]
kept = [r for r in reachable if r["bytes"] == 336 and r["blocks"] == 7]
if len(kept) != 1:
    problems.append(f"want one still_reachable record of 336 bytes in 7 blocks, got {[describe(r) for r in reachable]}")
else:
    check_site(kept[0], "reachable record", "node_new", site_line)

for p in problems:
    print("MISMATCH", p)
sys.exit(1 if problems else 0)
PYEOF
echo "leak_tree records: ok"
