#!/bin/sh
# The examples of `make demo-service`: examples/service_leak, whose global
# cache keeps one parsed request map in four for ever, is named under
# `run --sample --watch` (kv_put's blocks, held by the global g_cache, at
# about the rate the program keeps them); examples/service_fixed, the same
# service with a bounded lscache, has no suspect.  Both print what they did.
# Each runs 40 s: the suspect is named after a window and a sixth (17.5 s)
# at the soonest, and 36 runs named it at 17.5 to 27.5 s (one in 16 runs
# of 25 s named none).
. "$(dirname "$0")/../harness/common.sh"
EX="$LEAKSCOPE_ROOT/build/examples"
cd "$T" || fail "no scratch directory"
"$LEAKSCOPE" run --sample --watch=15 --report leak.json -- "$EX/service_leak" 40 >leak.out 2>leak.err &
"$LEAKSCOPE" run --sample --watch=15 --report fixed.json -- "$EX/service_fixed" 40 >fixed.out 2>fixed.err &
wait
grep -q '^service_leak: [0-9]* requests, [0-9]* sessions cached' leak.out || fail "service_leak: $(cat leak.out leak.err)"
grep -q '^service_fixed: [0-9]* requests, [0-9]* sessions cached' fixed.out || fail "service_fixed: $(cat fixed.out fixed.err)"
line=$(grep -m1 '^leakscope: leak suspect:' leak.err) || fail "service_leak: no suspect: $(cat leak.err)"
echo "$line"
echo "$line" | grep -q '^leakscope: leak suspect: kv_put (service.h:[0-9]*) < parse_body (service.h:[0-9]*) < handle_request (service_leak.c:[0-9]*) grows ' ||
  fail "service_leak: not kv_put's site: $line"
echo "$line" | grep -q 'held by global g_cache (service_leak) (' || fail "service_leak: the holder is not g_cache: $line"
grep '^leakscope: leak suspect:' fixed.err && fail "service_fixed: a suspect"
$PY - leak.json fixed.json <<'PYEOF' || fail "the reports: see above"
import json, sys
leak, fixed = (json.load(open(p)) for p in sys.argv[1:3])
s = leak["suspects"]
assert s and s[0]["held_by"][0]["root"] == "global g_cache (service_leak)", s
# the cache keeps a quarter of 1,000 requests a second, 15 to 30 fields of 40 to 200 bytes
# and their names: about 0.73 MB/s.  At the default sampling interval a 15 s window holds
# about 20 of kv_put's samples; 36 runs gave 0.44 to 1.05 MB/s
assert 300e3 < s[0]["bytes_per_second"] < 1.5e6, s[0]["bytes_per_second"]
assert fixed["suspects"] == [], fixed["suspects"]
PYEOF
exit 0
