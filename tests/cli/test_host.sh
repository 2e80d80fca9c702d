# test_host.sh: what the traced program sees is what it sees without
# leakscope: the same open descriptors (none of the agent's, with or
# without --http, even when stdin is closed), the environment without the
# agent's entries; a program the traced one executes is not traced and run
# says so; a child that drops its privileges still gets its report.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2

# the descriptors a traced shell passes on, by number (the shell is traced, ls is not)
plain=$(sh -c 'ls /proc/self/fd' 2>/dev/null | sort -n | tr '\n' ' ')
under=$("$LEAKSCOPE" run -- sh -c 'ls /proc/self/fd' 2>/dev/null | sort -n | tr '\n' ' ')
[ "$plain" = "$under" ] || fail "the traced shell's descriptors differ: [$plain] vs [$under]"
LEAKSCOPE_OPTIONS="out=$T/raw.%p" LD_PRELOAD="$LEAKSCOPE_AGENT" /usr/bin/python3 -c '
import os, sys
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))' >preloaded.out </dev/null
/usr/bin/python3 -c '
import os
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))' >native.out </dev/null
cmp -s native.out preloaded.out || fail "the agent holds descriptors: $(cat native.out) vs $(cat preloaded.out)"
LEAKSCOPE_OPTIONS="out=$T/raw.%p" LD_PRELOAD="$LEAKSCOPE_AGENT" /usr/bin/python3 -c '
import os
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))' >closed.out <&-
/usr/bin/python3 -c '
import os
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))' >closed-native.out <&-
cmp -s closed-native.out closed.out || fail "stdin closed: the agent took a descriptor: $(cat closed.out)"
"$LEAKSCOPE" run --http 127.0.0.1:0 -- /usr/bin/python3 -c '
import os, time
time.sleep(0.3)
print(sorted(int(f) for f in os.listdir("/proc/self/fd")))' >http.out 2>http.err </dev/null || fail "run --http: $(cat http.err)"
cmp -s native.out http.out || fail "with --http the program holds descriptors: $(cat http.out)"

# the environment: no LEAKSCOPE_OPTIONS, LD_PRELOAD as the user set it
LD_PRELOAD=/lib/x86_64-linux-gnu/libdl.so.2 "$LEAKSCOPE" run -- sh -c 'echo "[$LD_PRELOAD][$LEAKSCOPE_OPTIONS]"' >env.out 2>/dev/null
[ "$(cat env.out)" = "[/lib/x86_64-linux-gnu/libdl.so.2][]" ] || fail "environment under leakscope: $(cat env.out)"

# an exec in the traced process: the new program is not traced, run says so
"$LEAKSCOPE" run --report r.json -- sh -c 'exec cat /dev/null' >/dev/null 2>exec.err || fail "exec run failed"
grep -q "sh executed cat, which was not traced" exec.err || grep -q "executed /bin/cat, which was not traced" exec.err ||
  grep -q "which was not traced" exec.err || fail "no hint about the exec: $(cat exec.err)"
[ ! -f r.json ] || fail "a report for the program sh executed, which is not traced"
grep -q "no snapshot" exec.err && fail "an exec is not a missing snapshot: $(cat exec.err)"
"$LEAKSCOPE" run -- sh -c 'cat /dev/null; true' >/dev/null 2>fork.err || fail "fork+exec run failed"
grep -q "cat) was not traced; --trace-children traces them" fork.err || fail "no hint about the child: $(cat fork.err)"
"$LEAKSCOPE" run --trace-children -- sh -c 'cat /dev/null; true' >/dev/null 2>traced.err || fail "traced run failed"
grep -q "not traced" traced.err && fail "a hint although --trace-children: $(cat traced.err)"

# a forked child that drops its privileges writes its report all the same
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  "$LEAKSCOPE" run --report "drop.%p.json" -- /usr/bin/python3 -c '
import os
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    os._exit(0)
os.waitpid(pid, 0)' >/dev/null 2>drop.err || fail "privilege drop run failed: $(cat drop.err)"
  grep -q "cannot write" drop.err && fail "the unprivileged child could not write: $(cat drop.err)"
  [ "$(ls drop.*.json | wc -l)" -eq 2 ] || fail "want the parent's and the child's reports: $(ls; cat drop.err)"
fi
echo ok
