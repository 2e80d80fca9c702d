# test_attach_dlopen.sh: a library the program dlopens while attached is
# patched as dlopen returns: a block it leaks on its first call, right
# after the dlopen, is in the profile, and so are its later leaks.  The
# program finds the library by its bare name through its own RUNPATH,
# which works only if the loader still sees the program as dlopen's
# caller through the agent's trampoline.
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"

"$PROGS/attach_dlopen" "$T/state" "$T/go" 3000 >"$T/prog.out" 2>"$T/prog.err" &
pid=$!
sleep 0.3
"$LEAKSCOPE" attach --sample=32K --duration 1.5 --profile "$T/p.pb.gz" $pid >"$T/attach.out" 2>"$T/attach.err" &
att=$!
n=0
until grep -q "attached to" "$T/attach.err" 2>/dev/null; do
  n=$((n + 1)); [ $n -lt 100 ] || fail "not attached: $(cat "$T/attach.err")"; sleep 0.05
done
touch "$T/go"
wait $att || fail "attach failed: $(cat "$T/attach.err")"
grep -q "^loaded 1$" "$T/state" || fail "the program could not load its library: $(cat "$T/state" "$T/prog.err")"
$PY "$CHECK" "$T/p.pb.gz" >"$T/p.txt" || fail "invalid profile"
grep -Eq "^sample plugin_site<plugin_burst<main[^ ]* [0-9]+ [0-9]+ 1 2097152 " "$T/p.txt" \
  || fail "the 2 MiB block leaked right after the dlopen is missing: $(grep sample "$T/p.txt")"
[ "$(inuse "$T/p.pb.gz" plugin_site)" -gt 2500000 ] || fail "the library's later leaks are missing: $(grep sample "$T/p.txt")"
grep -q "^sample main_site<main" "$T/p.txt" || fail "the program's own leaks are missing"
wait $pid || fail "the program failed: $(cat "$T/prog.err")"
grep -q "^done$" "$T/prog.out" || fail "the program's output: $(cat "$T/prog.out")"
exit 0
