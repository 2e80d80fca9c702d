# test_dlclose.sh: blocks allocated in a library that was dlclose'd before
# exit are found (4 blocks, 4288 bytes, as memcheck says) and their stacks
# are still symbolized: the agent keeps the module map of unloaded objects.
. "$(dirname "$0")/../harness/common.sh"
"$LEAKSCOPE" run --report "$T/r.json" -- "$PROGS/run_dlclose" >/dev/null || fail "run"
$PY - "$T/r.json" <<'PYEOF' || fail "dlclose report"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["summary"]["definitely_lost"]
assert (d["bytes"], d["blocks"]) == (4288, 4), d
top = r["records"][0]["stack"][0]
assert top.get("function") == "plugin_block", top
assert top.get("file", "").endswith("libleak_plugin.c"), top
PYEOF
exit 0
