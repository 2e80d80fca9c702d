#!/bin/sh
# test_ctor_stack.sh: the blocks a library's constructor allocates before
# the agent's own constructor runs (leak_ctor, linked with libleak_ctor.so)
# have their stacks, as memcheck shows them: leak_ctor_init first, then
# ld.so's _dl_init that called it.  The agent's slow unwinder is not loaded
# yet then; the fast walk stops in ld.so's start code, which has no
# call-frame information, and what it walked is the stack (it was none).
. "$(dirname "$0")/../harness/common.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
prog="$PROGS/leak_ctor"
[ -x "$prog" ] || fail "$prog is not built"
timeout -k 5 120 "$LEAKSCOPE" run --report "$T/ctor.json" -- "$prog" >/dev/null 2>"$T/err" ||
  fail "leakscope run failed: $(head -c 300 "$T/err")"
$PY - "$T/ctor.json" <<'PYEOF' || fail "the constructor's blocks have the wrong stacks (see above)"
import json, os, sys

records = json.load(open(sys.argv[1], encoding="utf-8"))["records"]
problems = []
for kind, size in (("definitely_lost", 2000), ("still_reachable", 500)):
    found = [r for r in records if r["kind"] == kind and r["bytes"] == size]
    if len(found) != 1:
        problems.append(f"{len(found)} {kind} records of {size} bytes, want 1")
        continue
    stack = found[0]["stack"]
    print(f"{kind} {size}:", [f.get("function") for f in stack])
    if not stack or stack[0].get("function") != "leak_ctor_init" or \
            os.path.basename(str(stack[0].get("file"))) != "libleak_ctor.c":
        problems.append(f"{kind} {size}: first frame {stack[:1]}, want leak_ctor_init in libleak_ctor.c")
    if not any(f.get("function") == "_dl_init" for f in stack):
        problems.append(f"{kind} {size}: no _dl_init frame in {[f.get('function') for f in stack]}")
for p in problems:
    print("PROBLEM:", p)
sys.exit(1 if problems else 0)
PYEOF
