#!/bin/sh
# test_gate.sh: `leakscope gate` over real valgrind XML (memcheck run here on
# tests/progs/gate_leaks.c), leakscope JSON reports, our own memcheck XML
# (render_xml) and pprof profiles: thresholds that pass and that fail, exit
# codes, assert_result.json, SARIF and JUnit contents, protocol 6 and
# suppressions, and unusable inputs (one line, exit 2, no output left).
. "$(dirname "$0")/../harness/common.sh"
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
[ -x "$PROGS/gate_leaks" ] || fail "missing $PROGS/gate_leaks (make test-build)"
HERE="$LEAKSCOPE_ROOT/tests/gate"
FIX="$HERE/fixtures"

# values FILE: "rule=value ..." from an assert_result.json
values() {
  $PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "leakscope-gate/1", d
print(d["status"], " ".join("%s=%s:%s" % (r["rule"], r["value"], r["status"]) for r in d["rules"]))' "$1"
}

# gate_rc EXPECTED ARGS...: run the gate, check its exit status
gate_rc() {
  want=$1; shift
  "$LEAKSCOPE" gate "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  [ "$rc" -eq "$want" ] || fail "gate $*: exit $rc, expected $want: $(cat "$T/stderr")"
}

# usage_error NAME ARGS...: exit 2, one line on stderr, no output file left
usage_error() {
  name=$1; shift
  rm -f "$T/out.json" "$T/out.json.tmp" "$T/out.sarif" "$T/out.sarif.tmp"
  "$LEAKSCOPE" gate "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2: $(cat "$T/stderr")"
  [ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$T/stderr")"
  grep -q '^leakscope: error: ' "$T/stderr" || fail "$name: unexpected message $(cat "$T/stderr")"
  for f in out.json out.json.tmp out.sarif out.sarif.tmp; do
    [ ! -e "$T/$f" ] || fail "$name: left $f behind"
  done
  echo "ok: $name -> $(cat "$T/stderr")"
}

vg() {  # vg OUT.xml ARGS...: memcheck with XML output, every leak kind shown
  # (no -q: with it memcheck leaves <suppcounts> out)
  out=$1; shift
  valgrind --xml=yes --xml-file="$out" --leak-check=full --show-leak-kinds=all "$@" \
    >/dev/null 2>&1
  [ -s "$out" ] || fail "valgrind wrote no XML for $*"
}

cd "$T" || exit 1
vg leaks.xml "$PROGS/gate_leaks"
vg clean.xml "$PROGS/gate_leaks" clean

cat >strict.yaml <<'EOF'
leak_summary:
  definitely_lost: 0
  indirectly_lost: 0
  possibly_lost: 0
  suppressed: 0
EOF
cat >loose.yaml <<'EOF'
# bytes as plain numbers, bytes and blocks as a mapping
leak_summary:
  definitely_lost: {bytes: 88, blocks: 4}
  indirectly_lost: 24
  possibly_lost: 1024
  still_reachable: {bytes: 4096}
  suppressed: 5
offenders: 2
EOF
cat >tight.yaml <<'EOF'
leak_summary:
  definitely_lost: {bytes: 1000, blocks: 3}
EOF

# 0. without --json nor --output-dir, nothing is written to the current
#    directory: assert_result.PID.json in $TMPDIR, announced
mkdir gate_tmp
TMPDIR=$T/gate_tmp gate_rc 1 --config strict.yaml leaks.xml
[ -e assert_result.json ] && fail "the gate wrote assert_result.json to the current directory unasked"
kept=$(ls gate_tmp/assert_result.*.json 2>/dev/null)
[ -n "$kept" ] || fail "no assert_result.PID.json in TMPDIR: $(ls gate_tmp)"
grep -q "^leakscope: gate: result written to $T/gate_tmp/assert_result\.[0-9]*\.json\$" "$T/stderr" ||
  fail "where the result went is not said: $(cat "$T/stderr")"

# 1. real valgrind XML: the numbers are memcheck's LEAK SUMMARY
gate_rc 1 --config strict.yaml --output-dir . --sarif out.sarif --junit junit.xml leaks.xml
grep -q "result written to ./assert_result.json" "$T/stderr" || fail "--output-dir .: $(cat "$T/stderr")"
v=$(values assert_result.json)
echo "strict on valgrind XML: $v"
case "$v" in
  "fail leak_summary.definitely_lost=88:fail leak_summary.indirectly_lost=24:fail leak_summary.possibly_lost=100:fail leak_summary.suppressed=0:pass") ;;
  *) fail "unexpected verdict on valgrind XML: $v" ;;
esac
grep -q '^FAIL leak_summary.definitely_lost: value 88 > limit 0' "$T/stdout" || fail "stdout: $(cat "$T/stdout")"
# the worst offender is make_node's 40+24 bytes, allocated in gate_leaks.c
$PY - <<'EOF' || fail "assert_result.json offenders"
import json
d = json.load(open("assert_result.json"))
r = d["rules"][0]
assert r["rule"] == "leak_summary.definitely_lost" and r["limit"] == 0, r
o = r["offenders"][0]
assert (o["bytes"], o["indirect_bytes"], o["blocks"]) == (40, 24, 1), o
fns = [f.get("function") for f in o["stack"]]
assert "make_node" in fns and "main" in fns, fns
site = [f for f in o["stack"] if f.get("function") == "make_node"][0]
assert site["file"].endswith("tests/progs/gate_leaks.c") and site["line"] == 22, site
assert r["offenders"][1]["bytes"] == 48 and r["offenders"][1]["blocks"] == 3
assert d["inputs"] == ["leaks.xml"]
EOF
# SARIF 2.1.0: one result per record, at the allocation site, stable rule ids
$PY - "$LEAKSCOPE_ROOT" <<'EOF' || fail "SARIF structure"
import json, sys
s = json.load(open("out.sarif"))
assert s["version"] == "2.1.0" and s["$schema"].endswith("sarif-2.1.0.json")
run = s["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert ids == ["leak/definitely-lost", "leak/indirectly-lost", "leak/possibly-lost",
               "leak/still-reachable"], ids
for r in rules:
    for k in ("shortDescription", "fullDescription", "help"):
        assert r[k]["text"], r
res = run["results"]
assert len(res) == 5, len(res)
for r in res:
    assert r["ruleId"] in ids and r["level"] in ("error", "warning", "note")
    assert r["message"]["text"] and r["partialFingerprints"]
    assert ids[r["ruleIndex"]] == r["ruleId"]
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("gate_leaks.c"), loc
    assert loc["region"]["startLine"] > 0
    assert r["stacks"][0]["frames"]
first = res[0]
assert first["ruleId"] == "leak/definitely-lost" and first["level"] == "error"
assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 22
assert first["message"]["text"].startswith("64 (40 direct, 24 indirect) bytes in 1 blocks are definitely lost")
# the sources are outside the gate's directory (the default source root):
# absolute file:// URIs
uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
assert uri.startswith("file:///") and uri.endswith("/tests/progs/gate_leaks.c"), uri
fps = [tuple(sorted(r["partialFingerprints"].items())) for r in res]
assert len(set(fps)) == len(fps), "fingerprints collide"
EOF
# JUnit: one testcase per rule, the failing ones with a failure
$PY - <<'EOF' || fail "JUnit structure"
import xml.etree.ElementTree as ET
root = ET.parse("junit.xml").getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert [c.get("name") for c in cases] == ["leak_summary.definitely_lost",
    "leak_summary.indirectly_lost", "leak_summary.possibly_lost", "leak_summary.suppressed"]
assert suite.get("tests") == "4" and suite.get("failures") == "3", suite.attrib
f = cases[0].find("failure")
assert f is not None and f.get("message") == "value 88 > limit 0", f
assert "make_node" in f.text and "gate_leaks.c:22" in f.text, f.text
assert cases[3].find("failure") is None
EOF

# the SARIF URIs follow --source-root
gate_rc 1 --config strict.yaml --sarif out.sarif --source-root "$LEAKSCOPE_ROOT" leaks.xml
grep -q '"uri": "tests/progs/gate_leaks.c"' out.sarif || fail "SARIF URI not relative to --source-root"

# 2. passing thresholds, a clean program, several inputs (processes) add up
gate_rc 0 --config loose.yaml --json pass.json leaks.xml
v=$(values pass.json)
echo "loose: $v"
[ "$v" = "pass leak_summary.definitely_lost=88:pass leak_summary.definitely_lost.blocks=4:pass leak_summary.indirectly_lost=24:pass leak_summary.possibly_lost=100:pass leak_summary.still_reachable=33:pass leak_summary.suppressed=0:pass" ] \
  || fail "loose verdict: $v"
gate_rc 0 --config strict.yaml --json clean.json clean.xml
gate_rc 1 --config loose.yaml --json two.json leaks.xml leaks.xml
v=$(values two.json)
case "$v" in *"leak_summary.definitely_lost=176:fail"*"leak_summary.definitely_lost.blocks=8:fail"*) ;;
  *) fail "two inputs: $v" ;; esac
$PY -c 'import json; d=json.load(open("two.json")); assert len(d["rules"][0]["offenders"]) == 2' \
  || fail "offenders: 2 not honoured"
gate_rc 1 --config tight.yaml --json tight.json leaks.xml
[ "$(values tight.json)" = "fail leak_summary.definitely_lost=88:pass leak_summary.definitely_lost.blocks=4:fail" ] \
  || fail "blocks limit: $(values tight.json)"

# 3. valgrind without indirect records: indirect bytes come from the
#    definite records' "(D direct, I indirect)" text
valgrind --xml=yes --xml-file=default.xml --leak-check=full "$PROGS/gate_leaks" >/dev/null 2>&1
gate_rc 1 --config strict.yaml --json default.json default.xml
case "$(values default.json)" in
  "fail leak_summary.definitely_lost=88:fail leak_summary.indirectly_lost=24:fail leak_summary.possibly_lost=100:fail"*) ;;
  *) fail "default show-leak-kinds: $(values default.json)" ;; esac

# 4. suppressions: <suppcounts> is the number of suppressed records
cat >reach.supp <<'EOF'
{
   keep_global
   Memcheck:Leak
   match-leak-kinds: reachable
   fun:malloc
   fun:main
}
EOF
vg supp.xml --suppressions=reach.supp "$PROGS/gate_leaks"
gate_rc 1 --config strict.yaml --json supp.json supp.xml
$PY - <<'EOF' || fail "suppressed rule"
import json
d = json.load(open("supp.json"))
r = [r for r in d["rules"] if r["rule"] == "leak_summary.suppressed"][0]
assert r["value"] == 1 and r["status"] == "fail", r
assert r["offenders"] == [{"suppression": "keep_global", "count": 1}], r
EOF

# 5. protocol 6: summaries replace the record sums; unknown elements,
#    extra <what>/<auxwhat> and non-leak errors are tolerated
gate_rc 1 --config loose.yaml --json p6.json "$LEAKSCOPE_ROOT/tests/fuzz/corpus/vgxml/protocol6_summaries.xml"
case "$(values p6.json)" in
  "fail leak_summary.definitely_lost=16:pass leak_summary.definitely_lost.blocks=1:pass leak_summary.indirectly_lost=1032:fail"*"leak_summary.suppressed=3:pass") ;;
  *) fail "protocol 6: $(values p6.json)" ;; esac

# 6. our JSON report (fixture with gate_leaks' findings) gives valgrind's verdict
gate_rc 1 --config strict.yaml --json rep.json "$FIX/report_leaks.json"
vg_verdict=$(values assert_result.json | sed 's/leak_summary.suppressed=[0-9]*:[a-z]*//')
rep_verdict=$(values rep.json | sed 's/leak_summary.suppressed=[0-9]*:[a-z]*//')
[ "$vg_verdict" = "$rep_verdict" ] || fail "report verdict $rep_verdict != valgrind $vg_verdict"
gate_rc 0 --config loose.yaml --json rep2.json "$FIX/report_leaks.json"
# mixed inputs: valgrind XML and a report
gate_rc 1 --config loose.yaml --json mixed.json leaks.xml "$FIX/report_leaks.json"
case "$(values mixed.json)" in *"leak_summary.definitely_lost=176:fail"*"leak_summary.suppressed=1:pass") ;;
  *) fail "mixed inputs: $(values mixed.json)" ;; esac

# 7. our memcheck XML (render_xml, via `report --xml`): valgrind's shapes,
#    and the gate's verdict on it equals the verdict on valgrind's XML
"$LEAKSCOPE" report "$FIX/report_leaks.json" --xml ours.xml >/dev/null || fail "report --xml"
$PY - <<'EOF' || fail "our XML structure"
import xml.etree.ElementTree as ET
root = ET.parse("ours.xml").getroot()
assert root.tag == "valgrindoutput"
assert root.findtext("protocolversion") == "4" and root.findtext("protocoltool") == "memcheck"
assert [s.findtext("state") for s in root.findall("status")] == ["RUNNING", "FINISHED"]
errs = root.findall("error")
assert len(errs) == 5, len(errs)
kinds = sorted(e.findtext("kind") for e in errs)
assert kinds == ["Leak_DefinitelyLost", "Leak_DefinitelyLost", "Leak_IndirectlyLost",
                 "Leak_PossiblyLost", "Leak_StillReachable"], kinds
sizes = [int(e.find("xwhat").findtext("leakedbytes")) for e in errs]
assert sizes == sorted(sizes), sizes        # memcheck order: smallest first
big = errs[-1]
assert big.findtext("unique") == "0x4" and big.findtext("tid") == "1"
assert big.find("xwhat").findtext("text") == \
    "100 bytes in 1 blocks are possibly lost in loss record 5 of 5"
node = [e for e in errs if e.find("xwhat").findtext("leakedbytes") == "64"][0]
assert node.find("xwhat").findtext("text") == \
    "64 (40 direct, 24 indirect) bytes in 1 blocks are definitely lost in loss record 4 of 5"
fr = node.find("stack").find("frame")
assert [c.tag for c in fr] == ["ip", "obj", "fn", "dir", "file", "line"], [c.tag for c in fr]
assert fr.findtext("fn") == "make_node" and fr.findtext("line") == "22"
pairs = root.find("suppcounts").findall("pair")
assert [(p.findtext("count"), p.findtext("name")) for p in pairs] == [("1", "libstdc++ pool")]
EOF
gate_rc 1 --config strict.yaml --json ours.json ours.xml
[ "$(values ours.json)" = "$(values rep.json)" ] || fail "our XML: $(values ours.json) != $(values rep.json)"
ours_verdict=$(values ours.json | sed 's/leak_summary.suppressed=[0-9]*:[a-z]*//')
[ "$ours_verdict" = "$vg_verdict" ] || fail "our XML verdict $ours_verdict != valgrind $vg_verdict"

# 8. a live leakscope run, when `run --report/--xml` works: same verdict as valgrind
if "$LEAKSCOPE" run --report run.json --xml run.xml -- "$PROGS/gate_leaks" >/dev/null 2>&1 \
   && [ -s run.json ] && [ -s run.xml ]; then
  gate_rc 1 --config strict.yaml --json run1.json run.json
  gate_rc 1 --config strict.yaml --json run2.json run.xml
  r1=$(values run1.json | sed 's/leak_summary.suppressed=[0-9]*:[a-z]*//')
  r2=$(values run2.json | sed 's/leak_summary.suppressed=[0-9]*:[a-z]*//')
  [ "$r1" = "$vg_verdict" ] || fail "run --report verdict $r1 != valgrind $vg_verdict"
  [ "$r2" = "$vg_verdict" ] || fail "run --xml verdict $r2 != valgrind $vg_verdict"
  echo "ok: leakscope run --report/--xml give valgrind's verdict"
else
  echo "note: leakscope run --report/--xml not available; live comparison not run"
fi

# 9. baseline and budget over pprof profiles
$PY "$HERE/mkprofile.py" base.pb.gz 'cache_put;handle;main=1000000' 'parse;handle;main=500000' 'init;main=200000'
$PY "$HERE/mkprofile.py" new.pb.gz 'cache_put;handle;main=1600000' 'parse;handle;main=450000' 'init;main=200000' 'fresh;main=50000'
mkdir -p cfg && cp base.pb.gz cfg/
cat >cfg/grow.yaml <<'EOF'
baseline:
  profile: base.pb.gz        # relative to this file's directory
  max_growth_percent: 30
  max_site_growth_percent: 40
  top: 1
budget:
  max_heap_mb: 2
EOF
gate_rc 1 --config cfg/grow.yaml --json grow.json --junit grow.xml new.pb.gz
$PY - <<'EOF' || fail "baseline/budget verdict"
import json
d = json.load(open("grow.json"))
r = {x["rule"]: x for x in d["rules"]}
g = r["baseline.max_growth_percent"]
assert abs(g["value"] - 600000 * 100 / 1700000) < 1e-6 and g["status"] == "fail", g
assert g["offenders"] == [{"growth_bytes": 600000, "base_bytes": 1000000, "new_bytes": 1600000,
    "frames": ["cache_put (cache_put.c:10)", "handle (handle.c:10)", "main (main.c:10)"]}], g
s = r["baseline.max_site_growth_percent"]
assert s["status"] == "pass" and abs(s["value"] - 600000 * 100 / 1700000) < 1e-6, s
b = r["budget.max_inuse_bytes"]
assert (b["value"], b["limit"], b["status"]) == (2300000, 2 << 20, "fail"), b
EOF
printf 'baseline: {profile: base.pb.gz, max_growth_percent: 40}\nbudget: {max_inuse_bytes: 3000000}\n' >cfg/ok.yaml
gate_rc 0 --config cfg/ok.yaml --json ok.json new.pb.gz
# a report's totals.inuse_bytes feeds the budget
printf 'budget: {max_inuse_bytes: 70000}\n' >budget.yaml
gate_rc 1 --config budget.yaml --json budget.json "$FIX/report_leaks.json"
case "$(values budget.json)" in "fail budget.max_inuse_bytes=72993:fail") ;; *) fail "report budget: $(values budget.json)" ;; esac

# diff: sites ranked by growth, totals line
"$LEAKSCOPE" diff base.pb.gz new.pb.gz >diff.txt || fail "diff failed"
cat diff.txt
sed -n 2p diff.txt | grep -q '^ *+600,000 *+585.9 KiB *+60.0% *1,000,000 *1,600,000  cache_put (cache_put.c:10) < handle (handle.c:10) < main (main.c:10)$' \
  || fail "diff: first site"
grep -q '^ *+50,000 *+48.8 KiB *new *0 *50,000  fresh (fresh.c:10) < main (main.c:10)$' diff.txt || fail "diff: new site"
tail -n 1 diff.txt | grep -q '^total bytes: base 1,700,000, new 2,300,000, growth +600,000 (+585.9 KiB, +35.3%)$' || fail "diff: totals"
"$LEAKSCOPE" diff --sample-type alloc_space --top 1 base.pb.gz new.pb.gz >diff2.txt || fail "diff --sample-type"
[ "$(wc -l <diff2.txt)" -eq 3 ] || fail "diff --top 1: $(cat diff2.txt)"
"$LEAKSCOPE" diff --sample-type bogus base.pb.gz new.pb.gz 2>/dev/null; [ $? -eq 2 ] || fail "diff bad type"

# 10. unusable inputs and configs: one line, exit 2, no output left
printf '<?xml version="1.0"?>\n<valgrindoutput><protocolversion>4</protocolversion>\n<error><kind>Leak_DefinitelyLost</kind>' >bad.xml
head -c 3000 leaks.xml >truncated.xml
cat >laughs.xml <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<valgrindoutput><protocolversion>4</protocolversion><protocoltool>memcheck</protocoltool>
<error><kind>&lol9;</kind></error></valgrindoutput>
EOF
$PY -c 'print("<?xml version=\"1.0\"?><valgrindoutput>" + "<a>" * 100000 + "</a>" * 100000 + "</valgrindoutput>")' >deep.xml
sed 's|<leakedbytes>64</leakedbytes>|<leakedbytes>18446744073709551616</leakedbytes>|' leaks.xml >range.xml
grep -q 18446744073709551616 range.xml || fail "range.xml not made"
sed 's|<protocoltool>memcheck|<protocoltool>helgrind|' leaks.xml >helgrind.xml
printf '{"schema": "leakscope-report/1", "records": [{"kind": "definitely_lost", "bytes": 1' >trunc.json
sed 's|"bytes": 48,|"bytes": -48,|' "$FIX/report_leaks.json" >neg.json
sed 's|"bytes": 48,|"bytes": 18446744073709551616,|' "$FIX/report_leaks.json" >big.json
sed 's|"address": "0x401196"|"address": "0x1000000000000000000"|' "$FIX/report_leaks.json" >addr.json
printf '{"schema": "other/1"}\n' >schema.json
$PY -c 'print("[" * 100000 + "]" * 100000)' | sed 's/^/{"schema":"leakscope-report\/1","x":/; s/$/}/' >deep.json
printf 'leak_summary:\n  definitly_lost: 0\n' >typo.yaml
printf 'leak_summary:\n  definitely_lost: "0\n' >broken.yaml
printf 'leak_summary:\n  definitely_lost: -1\n' >negative.yaml
printf 'leak_summary:\n  definitely_lost: 18446744073709551616\n' >huge.yaml
printf 'leak_summary:\n  definitely_lost: &a 0\n  possibly_lost: *a\n' >alias.yaml
printf 'leak_summary:\n  definitely_lost: 0\n  definitely_lost: 5\n' >dup.yaml
printf 'leak_summary:\n  definitely_lost: {bytes: 0, blcks: 0}\n' >subtypo.yaml
printf 'offenders: 3\n' >norule.yaml
printf 'baseline: {profile: base.pb.gz}\n' >nolimit.yaml
printf 'budget: {max_heap_mb: 1, max_inuse_bytes: 5}\n' >twobudgets.yaml
: >empty.yaml
usage_error "malformed XML" --config strict.yaml --json out.json bad.xml
usage_error "truncated XML" --config strict.yaml --json out.json truncated.xml
usage_error "billion laughs" --config strict.yaml --json out.json laughs.xml
usage_error "deep nesting" --config strict.yaml --json out.json deep.xml
usage_error "number out of range in XML" --config strict.yaml --json out.json range.xml
usage_error "not memcheck" --config strict.yaml --json out.json helgrind.xml
usage_error "truncated JSON" --config strict.yaml --json out.json trunc.json
usage_error "negative number in JSON" --config strict.yaml --json out.json neg.json
usage_error "number out of range in JSON" --config strict.yaml --json out.json big.json
usage_error "address out of range in JSON" --config strict.yaml --json out.json addr.json
usage_error "wrong JSON schema" --config strict.yaml --json out.json schema.json
usage_error "deeply nested JSON" --config strict.yaml --json out.json deep.json
usage_error "unknown config key" --config typo.yaml --json out.json leaks.xml
usage_error "unknown config sub-key" --config subtypo.yaml --json out.json leaks.xml
usage_error "malformed YAML" --config broken.yaml --json out.json leaks.xml
usage_error "negative limit" --config negative.yaml --json out.json leaks.xml
usage_error "limit out of range" --config huge.yaml --json out.json leaks.xml
usage_error "YAML alias" --config alias.yaml --json out.json leaks.xml
usage_error "duplicate key" --config dup.yaml --json out.json leaks.xml
usage_error "config without rules" --config norule.yaml --json out.json leaks.xml
usage_error "baseline without limit" --config nolimit.yaml --json out.json leaks.xml
usage_error "two budgets" --config twobudgets.yaml --json out.json leaks.xml
usage_error "empty config" --config empty.yaml --json out.json leaks.xml
usage_error "missing config" --config nosuch.yaml --json out.json leaks.xml
usage_error "missing input" --config strict.yaml --json out.json nosuch.xml
usage_error "empty input" --config strict.yaml --json out.json empty.yaml
usage_error "unknown option" --config strict.yaml --jsn out.json leaks.xml
usage_error "no --config" --json out.json leaks.xml
usage_error "no input" --config strict.yaml --json out.json
usage_error "baseline without a profile input" --config cfg/grow.yaml --json out.json leaks.xml
usage_error "budget without live-heap data" --config budget.yaml --json out.json leaks.xml
printf 'leak_summary: {indirectly_lost: {blocks: 0}}\n' >ib.yaml
usage_error "indirect blocks unknown" --config ib.yaml --json out.json --sarif out.sarif default.xml
# an input error after good inputs still leaves nothing behind
usage_error "good then bad input" --config strict.yaml --json out.json --sarif out.sarif leaks.xml bad.xml
echo "test_gate: all checks passed"
