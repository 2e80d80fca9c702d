# test_attach_python.sh: attach to a real program, python3 (Debian's is not
# PIE and takes the address of malloc, so every GLOB_DAT entry of malloc
# holds its canonical PLT entry, which goes through its own JUMP_SLOT):
# its leaking site is found; a child it forks while attached detaches
# itself at once (its GOT entries are glibc's again) while the parent stays
# attached; both end normally.
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"

cat >"$T/leak.py" <<'PY'
import os, sys, time
keep = []
def leaky():
    keep.append(bytearray(5000))
start = time.time()
while not os.path.exists(sys.argv[1] + ".fork"):
    leaky()
    time.sleep(0.0005)
    if time.time() - start > 20:
        sys.exit(3)
child = os.fork()
if child == 0:
    open(sys.argv[1] + ".child", "w").write(str(os.getpid()))
    while not os.path.exists(sys.argv[1] + ".end"):
        time.sleep(0.01)
    os._exit(7)
_, status = os.waitpid(child, 0)
print("child", os.waitstatus_to_exitcode(status))
PY
PYTHONMALLOC=malloc /usr/bin/python3 "$T/leak.py" "$T/py" >"$T/py.out" 2>"$T/py.err" &
pid=$!
sleep 0.5
"$LEAKSCOPE" attach --sample=32K --profile "$T/p.pb.gz" $pid >"$T/attach.out" 2>"$T/attach.err" &
att=$!
n=0
until grep -q "attached to" "$T/attach.err" 2>/dev/null; do
  n=$((n + 1)); [ $n -lt 100 ] || fail "not attached: $(cat "$T/attach.err")"; sleep 0.05
done
sleep 1
touch "$T/py.fork"
n=0
until [ -s "$T/py.child" ]; do n=$((n + 1)); [ $n -lt 100 ] || fail "python did not fork"; sleep 0.05; done
child=$(cat "$T/py.child")
sleep 0.1
$PY "$GOT" $child --where --skip libleakscope --skip libgcc_s >"$T/got.child"
grep libleakscope.so "$T/got.child" >&2 && fail "the fork child still has entries pointing into the agent"
$PY "$GOT" $pid --where --skip libleakscope --skip libgcc_s >"$T/got.parent"
exe=$(basename "$(readlink /proc/$pid/exe)")
grep -q "^$exe malloc libleakscope.so$" "$T/got.parent" || fail "the parent is not attached: $(cat "$T/got.parent")"
# (the GLOB_DAT entries of malloc keep python's canonical PLT entry, which goes through the line above)
if readelf -hW "/proc/$pid/exe" | grep -q "Type:.*EXEC"; then # not PIE
  grep -q "^libc.so.6 malloc $exe$" "$T/got.parent" || fail "a canonical PLT entry was redirected: $(cat "$T/got.parent")"
fi
kill -TERM $att
wait $att || fail "attach failed: $(cat "$T/attach.err")"
touch "$T/py.end"
wait $pid || fail "python failed: $(cat "$T/py.err")"
grep -q "^child 7$" "$T/py.out" || fail "the child did not end normally: $(cat "$T/py.out")"
"$LEAKSCOPE" report "$T/p.pb.gz" --top 1 >"$T/top" || fail "report"
grep -q "PyByteArray_Resize" "$T/top" || fail "python's leak is not the top site: $(cat "$T/top")"
exit 0
