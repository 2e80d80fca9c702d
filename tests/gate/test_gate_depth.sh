#!/bin/sh
# test_gate_depth.sh: gate --depth N, as report's and diff's: the worst
# offender's stack on stdout shows its first N frames (default 4, then
# " < ..."), 0 the whole stack; a bad N is one line and exit 2.  The input is
# a report whose one definite leak has a stack of 7 frames.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 1
$PY - <<'PYEOF' || fail "writing the report"
import json
frames = [{"address": "0x%x" % (0x401000 + 16 * i), "function": "f%d" % i, "file": "deep.c", "line": 10 + i}
          for i in range(7)]
json.dump({"schema": "leakscope-report/1", "command": ["./deep"], "pid": 1, "exit_code": 0, "mode": "full",
           "leak_check": True,
           "summary": {k: {"bytes": 0, "blocks": 0} for k in
                       ("definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable", "suppressed")}
           | {"definitely_lost": {"bytes": 64, "blocks": 1}},
           "records": [{"kind": "definitely_lost", "bytes": 64, "blocks": 1, "stack": frames}],
           "sites": []}, open("deep.json", "w"))
PYEOF
printf 'leak_summary:\n  definitely_lost: 0\n' >zero.yaml
worst() { # the worst line of gate [OPTIONS]
  "$LEAKSCOPE" gate --config zero.yaml --json out.json "$@" deep.json >out 2>err
  [ $? -eq 1 ] || fail "gate $*: want exit 1: $(cat out err)"
  grep '^  worst: ' out
}
at() { echo "  worst: 64 bytes in 1 blocks (deep.json) at $1"; }
[ "$(worst)" = "$(at 'f0 (deep.c:10) < f1 (deep.c:11) < f2 (deep.c:12) < f3 (deep.c:13) < ...')" ] ||
  fail "default depth: $(cat out)"
[ "$(worst --depth 2)" = "$(at 'f0 (deep.c:10) < f1 (deep.c:11) < ...')" ] || fail "--depth 2: $(cat out)"
[ "$(worst --depth=1)" = "$(at 'f0 (deep.c:10) < ...')" ] || fail "--depth=1: $(cat out)"
[ "$(worst --depth 7)" = "$(at 'f0 (deep.c:10) < f1 (deep.c:11) < f2 (deep.c:12) < f3 (deep.c:13) < f4 (deep.c:14) < f5 (deep.c:15) < f6 (deep.c:16)')" ] ||
  fail "--depth 7: $(cat out)"
[ "$(worst --depth 0)" = "$(worst --depth 7)" ] || fail "--depth 0 is not the whole stack: $(cat out)"
for bad in x -1 ''; do
  rm -f out.json
  "$LEAKSCOPE" gate --config zero.yaml --json out.json --depth "$bad" deep.json >out 2>err
  [ $? -eq 2 ] || fail "--depth '$bad': want exit 2, got $?"
  [ "$(wc -l <err)" -eq 1 ] || fail "--depth '$bad': not one line: $(cat err)"
  [ -z "$bad" ] || grep -q -- "--depth wants a number >= 0, not '$bad'" err || fail "--depth '$bad': $(cat err)"
  [ ! -e out.json ] || fail "--depth '$bad' wrote out.json"
done
"$LEAKSCOPE" gate --help | grep -q -- '--depth N' || fail "gate --help lacks --depth"
echo "test_gate_depth: all checks passed"
