#!/bin/sh
# test_json_unsigned.sh: counts above 2^63-1 (and near SIZE_MAX) are written
# as the unsigned numbers they are, never negative nor rounded, in the JSON
# report (records, summary, totals, peak, the agent's failure counts,
# retention), assert_result.json and SARIF, from a crafted raw snapshot;
# reading such a report back, and a site count above 2^63-1 (signed in the
# command, as in pprof), are one line and exit 2.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
MAX=18446744073709551615     # UINT64_MAX
NEAR=18446744073709551600    # SIZE_MAX - 15
HALF=9223372036854775808     # INT64_MAX + 1
snapshot() { # snapshot SITE_LINE > FILE
  cat <<RAW
leakscope-raw 1
pid 77
ppid 1
mode full
sample_interval 0
time_ns 1700000000000000000
duration_ns 1000
reason exit
exit_code 0
exe /nonexistent/huge
arg 0 /nonexistent/huge
module 555555554000 - /nonexistent/huge
segment 0 555555555000 555555559000 1000 r-x
stack 0 5555555551a3 555555555480
stack 1 5555555551c7 555555555480
$1
leak D 0 $MAX $NEAR $HALF
leak R 1 1 64 0
leakcheck 1
rnode 555555560010 64 1
rregion 55555555b000 55555555c000 f
rroot m 55555555b040 0
failure live_block $MAX
peak $NEAR
total $MAX $NEAR $HALF $MAX $NEAR
end
RAW
}
snapshot "site 0 1 64 1 64" >huge.raw
"$LEAKSCOPE" report huge.raw --json huge.json >out 2>err || fail "report --json: exit $?: $(cat err)"
printf 'leak_summary:\n  definitely_lost: 0\n' >zero.yaml
"$LEAKSCOPE" gate --config zero.yaml --json gate.json --sarif gate.sarif huge.raw >out 2>err
[ $? -eq 1 ] || fail "gate: want exit 1: $(cat out err)"
$PY - "$MAX" "$NEAR" "$HALF" <<'PYEOF' || fail "the unsigned counts"
import json, re, sys
MAX, NEAR, HALF = map(int, sys.argv[1:])
for name in ("huge.json", "gate.json", "gate.sarif"):
    text = open(name).read()
    assert not re.search(r"[:\[,]\s*-\d", text), (name, "a negative number", re.findall(r".{30}[:\[,]\s*-\d+", text))
    assert not re.search(r"\d[eE]\+?\d", text), (name, "a rounded real")
r = json.load(open("huge.json"))
d = [x for x in r["records"] if x["kind"] == "definitely_lost"][0]
assert (d["blocks"], d["bytes"], d["indirect_bytes"]) == (MAX, NEAR, HALF), d
assert r["summary"]["definitely_lost"] == {"bytes": NEAR, "blocks": MAX}, r["summary"]
t = r["totals"]
assert (t["allocs"], t["frees"], t["bytes_allocated"], t["inuse_blocks"], t["inuse_bytes"], t["peak_bytes"]) == \
    (MAX, NEAR, HALF, MAX, NEAR, NEAR), t
assert r["agent_failures"] == {"live_block": MAX}, r.get("agent_failures")
g = json.load(open("gate.json"))
rule = [x for x in g["rules"] if x["rule"] == "leak_summary.definitely_lost"][0]
assert rule["value"] == NEAR and rule["limit"] == 0, rule
off = rule["offenders"][0]
assert (off["bytes"], off["blocks"], off["indirect_bytes"]) == (NEAR, MAX, HALF), off
s = json.load(open("gate.sarif"))
p = s["runs"][0]["results"][0]["properties"]
assert (p["bytes"], p["blocks"], p["indirectBytes"]) == (NEAR, MAX, HALF), p
PYEOF
# such a report read back: one line naming the number, exit 2
"$LEAKSCOPE" report huge.json >out 2>err
[ $? -eq 2 ] || fail "report of a report with a count above 2^63-1: want exit 2"
[ "$(wc -l <err)" -eq 1 ] && grep -q "huge.json:[0-9]*: a number out of range (too big integer near '[0-9]*'): counts are read up to 2^63-1" err ||
  fail "report of a report with a count above 2^63-1: $(cat err)"
# a site count above 2^63-1 is a corrupt snapshot
snapshot "site 0 1 $HALF 1 64" >badsite.raw
"$LEAKSCOPE" report badsite.raw --json bad.json >out 2>err
[ $? -eq 2 ] || fail "a site count above 2^63-1: want exit 2"
[ "$(wc -l <err)" -eq 1 ] && grep -q "badsite.raw:16: site count above 2^63-1" err || fail "a site count above 2^63-1: $(cat err)"
[ -e bad.json ] && fail "a corrupt snapshot left a report"
echo "test_json_unsigned: all checks passed"
