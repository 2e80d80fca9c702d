#!/bin/sh
# leakscope run --watch: no suspect for a noisy sawtooth whose lows return
# to nothing, a warm-up that reaches its plateau within half the window, or
# a steady cache whose entries are replaced, in full and sample mode: no
# "leak suspect" line and an empty "suspects" list in the report.  Bad
# --watch values: one line, exit 2.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || fail "no scratch directory"
expect_usage_error "--watch=abc" "$LEAKSCOPE" run --watch=abc -- "$PROGS/leak_none"
expect_usage_error "--watch=0" "$LEAKSCOPE" run --watch=0 -- "$PROGS/leak_none"
expect_usage_error "--watch=" "$LEAKSCOPE" run --watch= -- "$PROGS/leak_none"
run_case() {
  name=$1 mode=$2; shift 2
  # shellcheck disable=SC2086
  "$LEAKSCOPE" run $mode --watch=6 --report "$T/$name.json" -- "$PROGS/watch_load" "$@" \
    >"$T/$name.out" 2>"$T/$name.err"
  echo $? >"$T/$name.rc"
}
for mode in full sample; do
  opt=""
  [ $mode = sample ] && opt="--sample"
  run_case "sawtooth_$mode" "$opt" sawtooth 20 &
  run_case "warmup_$mode" "$opt" warmup 20 20000000 &
  run_case "cache_$mode" "$opt" cache 20 &
done
wait
for name in sawtooth_full warmup_full cache_full sawtooth_sample warmup_sample cache_sample; do
  [ "$(cat "$T/$name.rc")" = 0 ] || fail "$name: exit $(cat "$T/$name.rc"): $(cat "$T/$name.err")"
  grep '^leakscope: leak suspect:' "$T/$name.err" && fail "$name: a false suspect"
  $PY -c "import json,sys; s=json.load(open(sys.argv[1])).get('suspects'); sys.exit(0 if s == [] else 1)" \
    "$T/$name.json" || fail "$name: the report's suspects are not []"
done
exit 0
