#!/bin/sh
# test_gate_junit.sh: the gate's JUnit XML is well-formed whatever the
# bytes of its inputs (a function name or an input path that is not UTF-8,
# markup, control characters: replaced or escaped as render/xml.c does),
# and it shows what stdout and assert_result.json show: a growing site's
# frames, and for a still_reachable breach the roots holding the memory.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1

# mkprof OUT FUNCTION INUSE: a one-site heap profile whose function name is
# FUNCTION's bytes as given (not necessarily UTF-8)
mkprof() {
  $PY - "$@" <<'PYEOF'
import gzip, sys
def varint(v):
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)
def fv(n, v): return varint(n << 3) + varint(v)
def fb(n, d): return varint(n << 3 | 2) + varint(len(d)) + d
strings = [b""]
def sid(s):
    if s not in strings:
        strings.append(s)
    return strings.index(s)
out, fn, inuse = sys.argv[1], sys.argv[2].encode("utf-8", "surrogateescape"), int(sys.argv[3])
body = bytearray()
for t, u in ((b"alloc_objects", b"count"), (b"alloc_space", b"bytes"),
             (b"inuse_objects", b"count"), (b"inuse_space", b"bytes")):
    body += fb(1, fv(1, sid(t)) + fv(2, sid(u)))
body += fb(2, fb(1, varint(1)) + fb(2, b"".join(varint(v) for v in (1, inuse, 1, inuse))))
body += fb(4, fv(1, 1) + fv(3, 0x401000) + fb(4, fv(1, 1) + fv(2, 10)))
body += fb(5, fv(1, 1) + fv(2, sid(fn)) + fv(3, sid(fn)) + fv(4, sid(b"site.c")))
body += fv(12, 1)
for s in strings:
    body += fb(6, s)
with gzip.open(out, "wb") as f:
    f.write(bytes(body))
PYEOF
}

# 1. a growing site named with bytes that are not UTF-8, in an input whose
#    path is not UTF-8 either
name=$(printf 'grow\377\376<&>\001x')
mkprof base.pb.gz "$name" 1000 || fail "cannot write base.pb.gz"
mkprof "$(printf 'new\377.pb.gz')" "$name" 5000 || fail "cannot write the new profile"
printf 'baseline: {profile: base.pb.gz, max_growth_percent: 10}\n' >grow.yaml
"$LEAKSCOPE" gate --config grow.yaml --junit junit.xml --json grow.json "$(printf 'new\377.pb.gz')" \
  >stdout 2>stderr
[ $? -eq 1 ] || fail "gate: want exit 1 (a breach): $(cat stderr)"
$PY - <<'PYEOF' || fail "JUnit for names that are not UTF-8"
import xml.etree.ElementTree as ET
root = ET.parse("junit.xml").getroot()          # well-formed, or this raises
suite = root.find("testsuite")
inputs = [p.get("value") for p in suite.find("properties").findall("property")]
assert inputs == ["new?.pb.gz"], inputs
case = suite.find("testcase")
assert case.get("name") == "baseline.max_growth_percent", case.attrib
text = case.find("failure").text
assert "+4000 bytes (1000 -> 5000) at:" in text, text
assert "    grow??<&>?x (site.c:10)\n" in text, repr(text)
PYEOF
echo "ok: JUnit is well-formed for names that are not UTF-8"

# 2. a still_reachable breach in a report with retention: JUnit names the
#    roots holding the memory, as stdout does
P="$PROGS/retain_cache"
[ -x "$P" ] || fail "$P is not built"
"$LEAKSCOPE" run --report r.json -- "$P" >/dev/null 2>&1 || fail "run --report"
printf 'leak_summary:\n  still_reachable: 0\n' >reach.yaml
"$LEAKSCOPE" gate --config reach.yaml --junit reach.xml --json reach.json r.json >stdout 2>stderr
[ $? -eq 1 ] || fail "gate: want exit 1 (a breach): $(cat stderr)"
grep -q '^  held by global g_cache (retain_cache): ' stdout || fail "stdout lacks the holders: $(cat stdout)"
$PY - <<'PYEOF' || fail "JUnit holders"
import json
import xml.etree.ElementTree as ET
rule = json.load(open("reach.json"))["rules"][0]
holders = rule["holders"]
case = ET.parse("reach.xml").getroot().find("testsuite").find("testcase")
text = case.find("failure").text
for h in holders:
    line = "held by %s: %d bytes in %d blocks (%s)" % (h["root"], h["retained_bytes"],
                                                       h["retained_blocks"], h["input"])
    assert line in text, (line, text)
assert "held by global g_cache (retain_cache)" in text, text
PYEOF
echo "test_gate_junit: all checks passed"
