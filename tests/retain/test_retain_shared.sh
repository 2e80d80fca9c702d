#!/bin/sh
# test_retain_shared.sh: memory held by several roots at once (a TLS
# variable and a global, tests/progs/retain_shared.c) is retained by no
# root alone; `retain`'s text still names the roots holding it, as the
# JSON report does, instead of "(none)".
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
"$LEAKSCOPE" run --report r.json -- "$PROGS/retain_shared" >/dev/null 2>&1 || fail "run --report"
$PY - r.json <<'PYEOF' || fail "the JSON report's roots"
import json, sys
r = json.load(open(sys.argv[1]))["retention"]
names = [x["name"] for x in r["roots"]]
assert any(n.startswith("TLS variable tls_buf of the main thread") for n in names), names
assert any(n.startswith("global g_buf") for n in names), names
assert r["shared"]["bytes"] == 500, r["shared"]
PYEOF
"$LEAKSCOPE" retain r.json >out.txt || fail "retain"
sed -n '/Roots by retained bytes/,/^==[0-9]*==$/p' out.txt >roots.txt
grep -q ' 500 bytes in 1 blocks: held by several roots together: ' roots.txt || fail "no shared holders: $(cat out.txt)"
grep -q 'TLS variable tls_buf of the main thread [0-9]* (retain_shared)' roots.txt || fail "TLS root missing: $(cat roots.txt)"
grep -q 'global g_buf (retain_shared)' roots.txt || fail "global root missing: $(cat roots.txt)"
grep -q '(none)' roots.txt && fail "roots shown as (none): $(cat roots.txt)"
echo "test_retain_shared: all checks passed"
