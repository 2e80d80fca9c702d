#!/bin/sh
# test_gen_suppressions.sh: `run --gen-suppressions[=all|lsan]` and `report
# --gen-suppressions` print a suppression per unsuppressed loss record
# (Valgrind's Memcheck:Leak blocks with mangled names, or LeakSanitizer's
# leak: lines) that, fed back with --suppressions, suppress exactly those
# records: all of them together, each one alone only its own.  Under
# memcheck (when installed) the Valgrind blocks suppress the same bytes.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
P="$PROGS/supp_entry"
G="$PROGS/gate_leaks"

summary() {  # REPORT: "definite indirect possible reachable suppressed" bytes
  $PY -c 'import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(" ".join(str(s[k]["bytes"]) for k in ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable", "suppressed")))' "$1"
}

for prog in "$P" "$G"; do
  name=$(basename "$prog")
  "$LEAKSCOPE" run --report "$name.json" --gen-suppressions -- "$prog" >/dev/null 2>"$name.err" || fail "$name: run"
  grep -v '^==' "$name.err" | grep -v '^leakscope: ' >"$name.supp"
  nrec=$($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["records"]))' "$name.json")
  [ "$(grep -c '^{' "$name.supp")" -eq "$nrec" ] || fail "$name: $(grep -c '^{' "$name.supp") suppressions for $nrec records: $(cat "$name.err")"
  grep -q '^   Memcheck:Leak$' "$name.supp" && grep -q '^   match-leak-kinds: ' "$name.supp" || fail "$name: not Valgrind's format"
  # report --gen-suppressions prints the same blocks
  "$LEAKSCOPE" report "$name.json" --gen-suppressions >rep.txt || fail "$name: report --gen-suppressions"
  sed -n '/^{/,/^}/p' rep.txt >rep.supp
  cmp -s rep.supp "$name.supp" || fail "$name: report and run print different suppressions: $(diff rep.supp "$name.supp")"
  # all together: everything suppressed
  "$LEAKSCOPE" run --report all.json --suppressions "$name.supp" -- "$prog" >/dev/null 2>&1 || fail "$name: run with all"
  set -- $(summary "$name.json"); total=$(($1 + $2 + $3 + $4 + $5))
  [ "$(summary all.json)" = "0 0 0 0 $total" ] || fail "$name: all suppressions: $(summary all.json), want 0 0 0 0 $total"
  # each alone: exactly its own record
  awk -v dir="$T" '/^\{/ { n++; f = dir "/one." n ".supp" } f { print > f }' "$name.supp"
  for one in one.*.supp; do
    rec=$(sed -n 2p "$one" | tr -d ' ')
    "$LEAKSCOPE" run --report one.json --suppressions "$one" -- "$prog" >/dev/null 2>&1 || fail "$name: run with $one"
    $PY - one.json "$rec" <<'PYEOF' || fail "$name: $one ($rec) did not suppress exactly its record: $(cat "$one")"
import json, sys
r = json.load(open(sys.argv[1]))
sup = [x for x in r["records"] if x.get("suppressed")]
assert len(sup) == 1 and sup[0]["suppressed"] == sys.argv[2], [(x["kind"], x["bytes"], x.get("suppressed")) for x in r["records"]]
PYEOF
  done
  rm -f one.*.supp
  if command -v valgrind >/dev/null 2>&1; then
    vg=$(valgrind --leak-check=full --show-leak-kinds=all --suppressions="$name.supp" "$prog" 2>&1 >/dev/null |
         sed -n 's/.*suppressed: \([0-9,]*\) bytes.*/\1/p' | tail -n 1 | tr -d ,)
    [ "$vg" = "$total" ] || fail "$name: memcheck suppresses $vg bytes with our suppressions, want $total"
  fi
  # LeakSanitizer's format
  "$LEAKSCOPE" run --gen-suppressions=lsan -- "$prog" >/dev/null 2>lsan.err || fail "$name: --gen-suppressions=lsan"
  grep -v '^==' lsan.err | grep -v '^leakscope: ' >lsan.supp
  grep -q '^leak:\^.*\$$' lsan.supp || fail "$name: no leak: lines: $(cat lsan.supp)"
  "$LEAKSCOPE" run --report lsan.json --suppressions lsan.supp -- "$prog" >/dev/null 2>&1 || fail "$name: run with lsan.supp"
  [ "$(summary lsan.json)" = "0 0 0 0 $total" ] || fail "$name: LSan suppressions: $(summary lsan.json)"
done
grep -q 'fun:_ZL10make_arrayi' supp_entry.supp && grep -q 'fun:_Znam' supp_entry.supp || fail "mangled names: $(cat supp_entry.supp)"
expect_usage_error "bad --gen-suppressions value" "$LEAKSCOPE" run --gen-suppressions=maybe -- "$P"
echo "test_gen_suppressions: all checks passed"
