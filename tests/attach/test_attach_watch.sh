#!/bin/sh
# leakscope attach --watch: the leak watch works on a program attached to
# while it runs: a leak inside a noisy sawtooth (tests/progs/watch_load) is
# named with its site and rate (within 35% of what it leaks) and its holder,
# the global g_leaked, from a live retention snapshot as run --watch names
# it (the attached agent stops the threads with ptrace alone), leaving the
# program no child; /metrics (--http) counts it; a sawtooth without a leak
# is not named.
# Bad --watch values: one line, exit 2.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || fail "no scratch directory"
expect_usage_error "attach --watch=abc" "$LEAKSCOPE" attach --watch=abc 1
RATE=4000000
"$PROGS/watch_load" sawtooth_leak 40 $RATE >leak.out 2>&1 &
LEAK=$!
"$PROGS/watch_load" sawtooth 40 >saw.out 2>&1 &
SAW=$!
sleep 0.5
"$LEAKSCOPE" attach --sample=128K --watch=6 --duration 14 --http 127.0.0.1:0 $LEAK >a.out 2>a.err &
A=$!
"$LEAKSCOPE" attach --sample=128K --watch=6 --duration 14 $SAW >b.out 2>b.err &
B=$!
found=0
for i in $(seq 1 40); do
  url=$(sed -n 's/^leakscope: serving \(http:[^ ]*\)\/debug\/pprof\/ .*/\1/p' a.err)
  if [ -n "$url" ] && curl -sf "$url/metrics" >m.txt 2>/dev/null && grep -q '^leakscope_leak_suspects 1$' m.txt; then
    found=1; break
  fi
  sleep 0.5
done
wait $A || fail "attach to the leak: $(cat a.err)"
wait $B || fail "attach to the sawtooth: $(cat b.err)"
children=$(cat /proc/$LEAK/task/*/children 2>/dev/null | tr -d ' ')
kill $LEAK $SAW 2>/dev/null
[ -z "$children" ] || fail "the live snapshot's child outlived the detach: $children"
[ $found = 1 ] || fail "/metrics never counted the suspect: $(cat a.err)"
line=$(grep -m1 '^leakscope: leak suspect:' a.err) || fail "no suspect named: $(cat a.err)"
echo "$line"
echo "$line" | grep -q '^leakscope: leak suspect: leak_keep (watch_load.c:[0-9]*) < main (watch_load.c:[0-9]*) grows ' ||
  fail "not leak_keep: $line"
echo "$line" | grep -q ', held by global g_leaked (watch_load) (' || fail "the holder is not named: $line"
grep -q 'warning' a.err && fail "warnings: $(cat a.err)"
rate=$(echo "$line" | sed -n 's/.*(\([0-9]*\) bytes\/s).*/\1/p')
$PY -c "import sys; r=$rate/$RATE; sys.exit(0 if 0.65 <= r <= 1.35 else 1)" || fail "rate $rate, want $RATE within 35%"
grep '^leakscope: leak suspect:' b.err && fail "a suspect in the sawtooth"
exit 0
