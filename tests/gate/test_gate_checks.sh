#!/bin/sh
# test_gate_checks.sh: what the gate refuses and how it says why, with live
# leakscope runs (no valgrind needed): leak rules over a sample-mode report
# (no leak check: one line naming the input, exit 2), byte thresholds with
# size suffixes, FAIL lines naming their inputs and the worst offender's
# stack, and one casing for the verdicts; an unknown config key gets a
# suggestion; SARIF results point at the
# user's code (a strdup leak at its caller, not string/strdup.c; a
# std::vector's storage at the program's line, not new_allocator.h), and
# tool.driver has a version and no informationUri (optional in SARIF 2.1.0,
# and leakscope has no public page to name).
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
"$LEAKSCOPE" run --report full.json -- "$PROGS/gate_leaks" >/dev/null 2>&1 || fail "run --report"
"$LEAKSCOPE" run --sample=4096 --report sample.json -- "$PROGS/leak_big" >/dev/null 2>&1 || fail "run --sample --report"
$PY - <<'PYEOF' || fail "report fields"
import json
s = json.load(open("sample.json"))
assert s["mode"] == "sample" and s["leak_check"] is False, s.get("leak_check")
assert "summary" not in s and "records" not in s, "a sample-mode report claims a leak summary"
assert sum(x["inuse_bytes"] for x in s["sites"]) > 60 << 20, s["sites"]
f = json.load(open("full.json"))
assert f["leak_check"] is True and f["summary"]["definitely_lost"]["bytes"] == 88, f["summary"]
PYEOF

printf 'leak_summary:\n  definitely_lost: 0\n' >strict.yaml
"$LEAKSCOPE" gate --config strict.yaml --json out.json sample.json >out 2>err
rc=$?
[ $rc -eq 2 ] || fail "leak rules over a sample-mode report: exit $rc, want 2 ($(cat out err))"
[ "$(wc -l <err)" -eq 1 ] && grep -q '^leakscope: error: gate: leak rules need a leak check, and sample.json has none' err \
  || fail "sample-mode refusal: $(cat err)"
[ ! -e out.json ] || fail "refused gate left out.json"
# a full report beside it does not make the sample one a leak check
"$LEAKSCOPE" gate --config strict.yaml --json out.json full.json sample.json >out 2>err
[ $? -eq 2 ] || fail "full + sample-mode report: not refused"
# a budget rule needs no leak check
printf 'budget: {max_inuse_bytes: 1G}\n' >budget.yaml
"$LEAKSCOPE" gate --config budget.yaml --json out.json sample.json >out 2>err || fail "budget over a sample report: $(cat err)"
grep -q '^gate: PASS$' out || fail "verdict casing: $(cat out)"

# size suffixes; FAIL names the input and the worst record's stack
printf 'leak_summary:\n  definitely_lost: 1K\n  possibly_lost: {bytes: 0K}\nbudget: {max_inuse_bytes: 2M}\n' >sizes.yaml
"$LEAKSCOPE" gate --config sizes.yaml --json out.json full.json >out 2>err
[ $? -eq 1 ] || fail "sizes: $(cat out err)"
grep -q '^PASS leak_summary.definitely_lost: value 88 <= limit 1024$' out || fail "1K: $(cat out)"
grep -q '^PASS budget.max_inuse_bytes: .*limit 2097152$' out || fail "2M: $(cat out)"
grep -q '^FAIL leak_summary.possibly_lost: value 100 > limit 0 (full.json)$' out || fail "FAIL line: $(cat out)"
grep -q '^  worst: 100 bytes in 1 blocks (full.json) at .*main (gate_leaks.c:[0-9]*)' out || fail "worst offender: $(cat out)"
grep -q '^gate: FAIL$' out || fail "verdict: $(cat out)"
printf 'leak_summary:\n  definitely_lost: 1Q\n' >badsize.yaml
"$LEAKSCOPE" gate --config badsize.yaml full.json >out 2>err
[ $? -eq 2 ] && grep -q "badsize.yaml:2: 'definitely_lost' must be a number of bytes" err || fail "bad size: $(cat err)"

# an unknown key gets a suggestion
printf 'leak_summary:\n  definitly_lost: 0\n' >typo.yaml
"$LEAKSCOPE" gate --config typo.yaml full.json >out 2>err
[ $? -eq 2 ] && grep -q "typo.yaml:2: unknown key 'definitly_lost' in leak_summary (did you mean 'definitely_lost'?)" err \
  || fail "typo: $(cat err)"
printf 'budget: {max_heap: 5}\n' >prefix.yaml
"$LEAKSCOPE" gate --config prefix.yaml full.json >out 2>err
grep -q "did you mean 'max_heap_mb'?" err || fail "prefix: $(cat err)"
printf 'leak_summary:\n  zzz: 0\n' >far.yaml
"$LEAKSCOPE" gate --config far.yaml full.json >out 2>err
grep -q "unknown key 'zzz' in leak_summary (known: definitely_lost, " err || fail "far: $(cat err)"

# SARIF: the first frame in the user's code
"$LEAKSCOPE" run --report cxx.json -- "$PROGS/leak_cxx" >/dev/null 2>&1 || fail "run leak_cxx"
"$LEAKSCOPE" run --report entry.json -- "$PROGS/supp_entry" >/dev/null 2>&1 || fail "run supp_entry"
printf 'leak_summary:\n  definitely_lost: 0\n' >any.yaml
"$LEAKSCOPE" gate --config any.yaml --json out.json --sarif out.sarif --source-root "$LEAKSCOPE_ROOT/tests" \
  cxx.json entry.json >out 2>err
[ $? -eq 1 ] || fail "gate for SARIF: $(cat out err)"
$PY - <<'PYEOF' || fail "SARIF locations"
import json
d = json.load(open("out.sarif"))
drv = d["runs"][0]["tool"]["driver"]
assert drv["name"] == "leakscope" and drv["version"] and "informationUri" not in drv, drv
res = d["runs"][0]["results"]
assert len(res) >= 8, len(res)
uris = set()
for r in res:
    loc = r["locations"][0]["physicalLocation"]
    uri = loc["artifactLocation"]["uri"]
    uris.add(uri)
    assert uri in ("progs/leak_cxx.cc", "progs/supp_entry.cc"), (uri, r["message"])
    assert loc["region"]["startLine"] > 0
assert uris == {"progs/leak_cxx.cc", "progs/supp_entry.cc"}, uris
strdup = [r for r in res if r["properties"]["bytes"] == 13]
assert strdup and "outer::inner::mk" in strdup[0]["message"]["text"], strdup
PYEOF
# without --source-root (the current directory here, outside the tree): outside /usr
"$LEAKSCOPE" gate --config any.yaml --json out.json --sarif out2.sarif cxx.json entry.json >out 2>err
$PY - "$LEAKSCOPE_ROOT" <<'PYEOF' || fail "SARIF locations without --source-root"
import json, sys
for r in json.load(open("out2.sarif"))["runs"][0]["results"]:
    uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file://" + sys.argv[1] + "/tests/progs/"), uri
PYEOF
echo "test_gate_checks: all checks passed"
