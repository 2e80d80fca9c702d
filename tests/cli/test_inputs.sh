#!/bin/sh
# test_inputs.sh: every command reads every input through one loader: a
# JSON report's sites in `report`, `flame` and `report --profile` as in
# `diff`; a sample-mode report shows its sampled sites and no leak
# summary; `report` and `flame` read Valgrind XML; a file no reader takes
# gets one line saying what it looked like; a flame graph's subtitle gives
# its total with separators and a unit only when it says more ("(0.0 MiB)").
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
VGXML="$LEAKSCOPE_ROOT/tests/golden/inputs/vg.xml"
"$LEAKSCOPE" run --report r.json -- "$PROGS/gate_leaks" >/dev/null 2>&1 || fail "run --report"

# report: the site table of a full-mode report (gate_leaks' in-use blocks)
"$LEAKSCOPE" report r.json >rep.txt || fail "report r.json"
grep -q '^Top [1-9][0-9]* of [1-9][0-9]* allocation sites' rep.txt || fail "report of a JSON report has no sites: $(cat rep.txt)"
grep -q 'gate_leaks.c' rep.txt || fail "report sites lack the program's frames: $(cat rep.txt)"
# flame: the same bytes
"$LEAKSCOPE" flame r.json -o r.svg >/dev/null 2>&1 || fail "flame r.json"
grep -q 'gate_leaks.c\|main' r.svg || fail "flame of a report has no frames"
grep -q '>0 bytes<\|(0 bytes' r.svg && fail "flame of a report is empty"
grep -q '(0\.0 MiB)' r.svg && fail "flame subtitle in MiB for a few bytes: $(grep -o 'r.json: [^<]*' r.svg)"
grep -q 'r.json: [0-9,]* bytes' r.svg || fail "flame subtitle: $(grep -o 'r.json: [^<]*' r.svg)"
# report --profile: a profile with the report's in-use bytes, read back
"$LEAKSCOPE" report r.json --profile r.pb.gz >/dev/null || fail "report --profile"
"$LEAKSCOPE" report r.pb.gz >prof.txt || fail "report of the written profile"
total() { sed -n 's/^Top .*(total \([0-9,]*\) bytes.*/\1/p' "$1" | tr -d ,; }
[ -n "$(total rep.txt)" ] && [ "$(total prof.txt)" = "$(total rep.txt)" ] \
  || fail "profile total $(total prof.txt) != report total $(total rep.txt)"
[ "$(total rep.txt)" -gt 0 ] || fail "report total is 0"
# its main binary (pprof's first mapping) is the program, not the library its frames name
# first (supp_entry's largest record starts in operator new[])
"$LEAKSCOPE" run --report e.json -- "$PROGS/supp_entry" >/dev/null 2>&1 || fail "run supp_entry"
"$LEAKSCOPE" report e.json --profile e.pb.gz >/dev/null || fail "report --profile of supp_entry"
$PY "$LEAKSCOPE_ROOT/tests/golden/pbdump.py" e.pb.gz >e.dump || fail "pbdump"
grep -m1 '^mapping ' e.dump | grep -q '/supp_entry"' || fail "the profile's first mapping: $(grep -m1 '^mapping ' e.dump)"

# a sample-mode report: sampled sites, no leak summary
"$LEAKSCOPE" run --sample=4096 --report s.json -- "$PROGS/leak_big" >/dev/null 2>&1 || fail "run --sample --report"
"$LEAKSCOPE" report s.json >s.txt || fail "report s.json"
grep -q 'LEAK SUMMARY' s.txt && fail "sample-mode report shows a LEAK SUMMARY: $(cat s.txt)"
grep -q 'No leak check in s.json' s.txt || fail "sample-mode report does not say it has no leak check: $(cat s.txt)"
grep -q '^Top [1-9][0-9]* of [1-9][0-9]* allocation sites' s.txt || fail "sample-mode report: no sites: $(cat s.txt)"
# the HEAP SUMMARY's blocks are the exact count (allocs - frees), the bytes an estimate
$PY - <<'PYEOF' || fail "sample HEAP SUMMARY: $(cat s.txt)"
import json, re
t = json.load(open("s.json"))["totals"]
text = open("s.txt").read()
m = re.search(r"in use at exit: [0-9,]+ bytes in ([0-9,]+) blocks", text)
assert m, text
assert int(m.group(1).replace(",", "")) == t["allocs"] - t["frees"], (m.group(1), t)
PYEOF
# a sample-mode profile's counts are estimates too, and its summary says so
"$LEAKSCOPE" run --sample=4096 --profile s.pb.gz -- "$PROGS/leak_big" >/dev/null 2>&1 || fail "run --sample --profile"
"$LEAKSCOPE" report s.pb.gz >sp.txt || fail "report s.pb.gz"
grep -q 'HEAP SUMMARY (sampled; estimates)' sp.txt || fail "profile's HEAP SUMMARY: $(head -3 sp.txt)"

# Valgrind XML as input
"$LEAKSCOPE" report "$VGXML" >vg.txt || fail "report vg.xml: $(cat vg.txt)"
grep -q 'LEAK SUMMARY' vg.txt && grep -q 'definitely lost' vg.txt || fail "report vg.xml: no leak summary: $(cat vg.txt)"
grep -q 'session_new' vg.txt || fail "report vg.xml: no frames: $(cat vg.txt)"
"$LEAKSCOPE" flame "$VGXML" -o vg.svg >/dev/null 2>&1 || fail "flame vg.xml"
grep -q session_new vg.svg || fail "flame vg.xml has no frames"

# a file no reader takes: one line saying what it looks like
echo "hello world" >hello.txt
expect_usage_error "text file" "$LEAKSCOPE" report hello.txt
grep -q 'hello.txt: not a file leakscope reads .*text starting "hello world' "$T/err" || fail "text file: $(cat "$T/err")"
printf '\001\002\003\004' >bin.dat
expect_usage_error "binary file" "$LEAKSCOPE" flame bin.dat -o x.svg
grep -q 'bin.dat: not a file leakscope reads .*binary data starting 01 02 03 04' "$T/err" || fail "binary file: $(cat "$T/err")"
echo "test_inputs: all checks passed"
