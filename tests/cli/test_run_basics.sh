# test_run_basics.sh: `leakscope run` keeps the program's output and exit status
# (a signal death included),
# writes a report, applies --error-exitcode, and keeps forked children's reports
# apart (%p) while leaving exec'd programs untraced unless --trace-children.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/run_fork_exec"
PY=/usr/bin/python3

"$P" >"$T/native.out" 2>&1; native_rc=$?
"$LEAKSCOPE" run --report "$T/r.%p.json" -- "$P" >"$T/run.out" 2>"$T/run.err"; rc=$?
[ $rc -eq $native_rc ] || fail "exit status $rc under leakscope, $native_rc without"
cmp -s "$T/native.out" "$T/run.out" || fail "output differs under leakscope"
n=$(ls "$T"/r.*.json | wc -l)
[ "$n" -eq 2 ] || fail "want 2 reports (parent and forked child), got $n"
$PY - "$T" <<'PYEOF' || fail "report contents"
import json, sys, glob
reports = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/r.*.json")]
lost = sorted(r["summary"]["definitely_lost"]["bytes"] for r in reports)
# the child inherits the parent's lost 100-byte block and adds its own 200
assert lost == [100, 300], lost
for r in reports:
    assert r["schema"] == "leakscope-report/1"
    assert r["command"][0].endswith("run_fork_exec")
PYEOF

# without %p the child's report is FILE.PID, the parent's is FILE
"$LEAKSCOPE" run --report "$T/one.json" -- "$P" >/dev/null 2>&1
[ -f "$T/one.json" ] || fail "the parent's report is missing"
[ "$(ls "$T"/one.json.* 2>/dev/null | wc -l)" -eq 1 ] || fail "the child's report is not FILE.PID"

# exec'd programs are not traced by default, and are with --trace-children
"$LEAKSCOPE" run --report "$T/e.%p.json" -- "$P" "$PROGS/run_leak_once" >/dev/null 2>&1
[ "$(ls "$T"/e.*.json | wc -l)" -eq 1 ] || fail "an exec'd program was traced without --trace-children"
"$LEAKSCOPE" run --trace-children --report "$T/t.%p.json" -- "$P" "$PROGS/run_leak_once" >/dev/null 2>&1
[ "$(ls "$T"/t.*.json | wc -l)" -eq 2 ] || fail "--trace-children did not trace the exec'd program"

# a program killed by a signal: leakscope dies of the same signal
$PY - "$LEAKSCOPE" <<'PYEOF' || fail "a signalled program's status is not passed on"
import subprocess, sys
prog = ["sh", "-c", "kill -SEGV $$"]
native = subprocess.run(prog).returncode
under = subprocess.run([sys.argv[1], "run", "--"] + prog, stderr=subprocess.DEVNULL).returncode
assert native == under == -11, (native, under)
PYEOF

# --error-exitcode
"$LEAKSCOPE" run --error-exitcode 42 -- "$PROGS/run_leak_once" >/dev/null 2>&1; rc=$?
[ $rc -eq 42 ] || fail "--error-exitcode: exit $rc, want 42"
# the text summary goes to stderr when there is no --report
"$LEAKSCOPE" run -- "$PROGS/run_leak_once" >"$T/o" 2>"$T/e"
grep -q "definitely lost: 96 bytes in 2 blocks" "$T/e" || fail "no LEAK SUMMARY on stderr: $(cat "$T/e")"
grep -q "leak_here (run_leak_once.c:" "$T/e" || fail "records lack symbolized frames"
exit 0
