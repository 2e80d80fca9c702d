# test_growth.sh: `run --capture-growth PCT,SECONDS` writes a profile when
# the live heap passes its recent mean by PCT percent, and none while it
# holds still.  grow_steps keeps 1 MiB for FLAT seconds, then adds 4 MiB
# every 200 ms from grow_cache; in full mode (exact) and sample mode (the
# estimate, whose noise floor is 16 sampling intervals).  The agent looks
# once a second, at a moment unrelated to the program's steps, so the first
# capture may hold a single step: its 4 MiB must outweigh the steady heap
# (1 MiB exactly, or its sampled estimate, about 2 samples of 512 KiB).
. "$(dirname "$0")/../harness/common.sh"
CHECK="$LEAKSCOPE_ROOT/tests/pprof/pprof_check.py"
P="$PROGS/grow_steps"

for mode in "" "--sample"; do
  rm -f "$T"/g*.pb.gz
  "$LEAKSCOPE" run $mode --capture-growth 50,1 --profile "$T/g.pb.gz" -- "$P" 2 3 >"$T/out" 2>"$T/err" ||
    fail "run $mode --capture-growth failed: $(cat "$T/err")"
  grep -q "^grow_steps: 15 steps" "$T/out" || fail "the program's output changed: $(cat "$T/out")"
  n=$(ls "$T"/g.[0-9]*.pb.gz 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || fail "no growth profile ($mode): $(cat "$T/err")"
  [ "$(grep -c 'passed its recent mean by over 50%' "$T/err")" -eq "$n" ] ||
    fail "one message per growth profile wanted ($mode): $(cat "$T/err")"
  first=$(ls "$T"/g.[0-9]*.pb.gz | sort_numbered | head -n 1)
  $PY "$CHECK" "$first" >/dev/null || fail "invalid growth profile $first"
  "$LEAKSCOPE" report --sample-type inuse_space --top 1 "$first" >"$T/top" || fail "report of $first"
  grep -q "grow_cache" "$T/top" || fail "the growth profile's top site is not grow_cache ($mode): $(cat "$T/top")"
  # the heap holding still: no capture
  rm -f "$T"/g*.pb.gz
  "$LEAKSCOPE" run $mode --capture-growth 20,1 --profile "$T/g.pb.gz" -- "$P" 3 0 >/dev/null 2>"$T/err" ||
    fail "run $mode on a flat heap failed"
  ls "$T"/g.[0-9]*.pb.gz >/dev/null 2>&1 && fail "a growth profile from a flat heap ($mode): $(cat "$T/err")"
done
exit 0
