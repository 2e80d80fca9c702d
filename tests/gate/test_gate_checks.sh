#!/bin/sh
# test_gate_checks.sh: what the gate refuses and how it says why, with live
# leakscope runs (no valgrind needed): leak rules over a sample-mode report
# (no leak check: one line naming the input, exit 2), byte thresholds with
# size suffixes, FAIL lines naming their inputs and the worst offender's
# stack, and one casing for the verdicts.
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
echo "test_gate_checks: all checks passed"
