#!/bin/sh
# leakscope run --watch: a steady leak inside a noisy sawtooth and a leak
# that starts late (beside a steady cache) are named, with their site
# (leak_keep), rate (within 35% of the 4 MB/s the program leaks) and
# detection time (within WINDOW + 30 s of the leak's start), in full and
# sample mode; each suspect's line has its profile and a diff command that
# works, its holder is named (the global g_leaked, from a live retention
# snapshot), and the JSON report lists it under "suspects" with held_by.
# Nothing else is a suspect.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || fail "no scratch directory"
RATE=4000000
WINDOW=6
# case: name, the leak's start (s), mode options, program arguments
run_case() {
  name=$1 start=$2 mode=$3; shift 3
  # shellcheck disable=SC2086
  "$LEAKSCOPE" run $mode --watch=$WINDOW --report "$T/$name.json" -- "$PROGS/watch_load" "$@" \
    >"$T/$name.out" 2>"$T/$name.err"
  echo $? >"$T/$name.rc"
}
run_case saw_full 0 "" sawtooth_leak 12 $RATE &
run_case late_full 4 "" late_leak 16 $RATE 4 &
run_case saw_sample 0 "--sample=128K" sawtooth_leak 12 $RATE &
run_case late_sample 4 "--sample=128K" late_leak 16 $RATE 4 &
wait
for name in saw_full late_full saw_sample late_sample; do
  case $name in late_*) start=4 ;; *) start=0 ;; esac
  [ "$(cat "$T/$name.rc")" = 0 ] || fail "$name: exit $(cat "$T/$name.rc"): $(cat "$T/$name.err")"
  [ -s "$T/$name.out" ] && fail "$name: the program's stdout changed: $(cat "$T/$name.out")"
  lines=$(grep -c '^leakscope: leak suspect:' "$T/$name.err")
  [ "$lines" -ge 1 ] || fail "$name: no suspect found: $(cat "$T/$name.err")"
  grep '^leakscope: leak suspect:' "$T/$name.err" | grep -v 'leak suspect: leak_keep (watch_load.c:' &&
    fail "$name: a suspect other than leak_keep"
  line=$(grep -m1 '^leakscope: leak suspect: leak_keep (watch_load.c:' "$T/$name.err")
  echo "$name: $line"
  echo "$line" | grep -q ', held by global g_leaked (watch_load) (' || fail "$name: the holder is not named: $line"
  rate=$(echo "$line" | sed -n 's/.*(\([0-9]*\) bytes\/s).*/\1/p')
  found=$(echo "$line" | sed -n 's/.*found at \([0-9.]*\) s.*/\1/p')
  [ -n "$rate" ] && [ -n "$found" ] || fail "$name: no rate or time in: $line"
  $PY -c "import sys; r=$rate/$RATE; sys.exit(0 if 0.65 <= r <= 1.35 else 1)" ||
    fail "$name: rate $rate bytes/s, want $RATE within 35%"
  $PY -c "import sys; sys.exit(0 if $found <= $start + $WINDOW + 30 else 1)" ||
    fail "$name: found at $found s, the leak started at $start s"
  # the profiles and the diff command it prints
  diffcmd=$(echo "$line" | sed -n 's/.*; \(leakscope diff [^ ]* [^ ]*\) shows what grew$/\1/p')
  [ -n "$diffcmd" ] || fail "$name: no diff command in: $line"
  set -- $diffcmd
  [ -s "$3" ] && [ -s "$4" ] || fail "$name: profiles $3 $4 missing"
  "$LEAKSCOPE" diff "$3" "$4" >"$T/$name.diff" 2>&1 || fail "$name: $diffcmd failed: $(cat "$T/$name.diff")"
  grep -q leak_keep "$T/$name.diff" || fail "$name: the diff does not show leak_keep: $(head "$T/$name.diff")"
  $PY - "$T/$name.json" $RATE "$start" $WINDOW <<'PYEOF' || fail "$name: report: see above"
import json, sys
report = json.load(open(sys.argv[1]))
rate, start, window = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
suspects = report.get("suspects")
assert isinstance(suspects, list) and suspects, "no suspects list: %r" % suspects
for s in suspects:
    assert set(s) >= {"stack", "bytes_per_second", "detected_at_s", "live_bytes", "held_by"}, s.keys()
    assert any(f.get("function") == "leak_keep" for f in s["stack"]), s["stack"][:3]
    assert isinstance(s["held_by"], list)
held = suspects[0]["held_by"]
assert held and held[0]["root"] == "global g_leaked (watch_load)" and held[0]["bytes"] > 0, held
first = suspects[0]
assert 0.65 <= first["bytes_per_second"] / rate <= 1.35, first["bytes_per_second"]
assert first["detected_at_s"] <= start + window + 30, first["detected_at_s"]
assert first["live_bytes"] > 0
PYEOF
done
exit 0
