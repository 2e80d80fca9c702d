#!/bin/sh
# leakscope run --watch --http: /metrics counts the leak watch's current
# suspects (leakscope_leak_suspects), gives each one's growth rate with its
# rank and site (leakscope_leak_suspect_growth_bytes_per_second), and the
# budget (leakscope_heap_budget_bytes); every metric name the shipped
# Prometheus rules use is on the page.
. "$(dirname "$0")/../harness/common.sh"
PROBE="$PY $(cd "$(dirname "$0")/../http" && pwd)/http_probe.py"
cd "$T" || fail "no scratch directory"
"$LEAKSCOPE" run --sample=128K --watch=6 --budget 500M --http 127.0.0.1:0 -- "$PROGS/watch_load" sawtooth_leak 40 \
  >out 2>err &
LS=$!
URL=$($PROBE url err 20) || fail "the server did not start: $(cat err)"
found=0
for i in $(seq 1 60); do  # the leak is found at about 6 s
  $PROBE get "$URL/metrics" m.txt >m.status 2>/dev/null || true
  if grep -q '^leakscope_leak_suspects 1$' m.txt 2>/dev/null; then found=1; break; fi
  sleep 0.5
done
[ $found = 1 ] || fail "leakscope_leak_suspects never 1: $(grep suspect m.txt) $(cat err)"
grep -q '^leakscope_leak_suspect_growth_bytes_per_second{rank="1",site="leak_keep (watch_load.c:[0-9]*) < main (watch_load.c:[0-9]*)"} [0-9]' m.txt ||
  fail "no growth-rate series for the suspect: $(grep growth m.txt)"
[ "$(grep -c '^leakscope_leak_suspect_growth_bytes_per_second{' m.txt)" -eq 1 ] || fail "more than one suspect's series"
grep -q '^leakscope_heap_budget_bytes 524288000$' m.txt || fail "no budget metric: $(grep budget m.txt)"
for name in $(grep -o 'leakscope_[a-z_]*' "$LEAKSCOPE_ROOT/deploy/prometheus/leakscope-rules.yml" | sort -u); do
  grep -q "^$name[ {]" m.txt || fail "the rules use $name, which /metrics does not have"
done
kill $LS 2>/dev/null
wait $LS 2>/dev/null
exit 0
