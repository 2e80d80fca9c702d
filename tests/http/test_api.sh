#!/bin/sh
# test_api.sh: the C API of include/leakscope.h in a program that does not
# link the agent: under `leakscope run` (full and sample mode) the
# statistics are sane and grow with what the program allocates, and a
# snapshot written through the API is read by `leakscope report`; without
# the agent every call returns LEAKSCOPE_ENOTLOADED and the program runs.
. "$(dirname "$0")/../harness/common.sh"
CLIENT=$PROGS/api_client
[ -x "$CLIENT" ] || fail "missing $CLIENT (make test-build)"
cd "$T" || exit 2

ldd "$CLIENT" | grep -q leakscope && fail "api_client links the agent"

"$CLIENT" absent >absent.out 2>&1 || fail "without the agent: $(cat absent.out)"
grep -q 'read_stats: -1 (the leakscope agent is not loaded)' absent.out || fail "$(cat absent.out)"

"$LEAKSCOPE" run -- "$CLIENT" loaded "$T/api.raw" >full.out 2>full.err || fail "full mode: $(cat full.out)"
grep -q '^ok   full mode: live bytes grew by exactly 8 MiB' full.out || fail "$(cat full.out)"
[ -s api.raw ] || fail "no snapshot from leakscope_write_snapshot"
"$LEAKSCOPE" report api.raw >report.txt 2>&1 || fail "report of the API snapshot: $(cat report.txt)"
grep -q api_allocate_cache report.txt || fail "the API snapshot lacks the site: $(cat report.txt)"
head -n 12 api.raw | grep -q '^reason api$' || fail "the snapshot's reason is not api"

"$LEAKSCOPE" run --sample=64K -- "$CLIENT" loaded "$T/api2.raw" >sample.out 2>sample.err ||
  fail "sample mode: $(cat sample.out)"
grep -q '^ok   sample mode: live bytes grew by about 8 MiB' sample.out || fail "$(cat sample.out)"
echo ok
