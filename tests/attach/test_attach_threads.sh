# test_attach_threads.sh: attach to a program whose four threads allocate,
# leak and free all the while, with the outputs of `run --sample`:
# --http (/metrics, /debug/pprof/heap) and --interval profiles while
# attached, the profile at detach.  Every thread's leaks are seen (within
# 25% of what they leaked while attached), and the program ends normally.
# Then a target of another user's, attached by root: it reads the options,
# writes its snapshots and removes the HTTP server's requests in
# leakscope's directory, which is given to its user.
. "$(dirname "$0")/../harness/common.sh"
. "$LEAKSCOPE_ROOT/tests/attach/lib.sh"
command -v curl >/dev/null || skip "curl is not installed"
cd "$T" || fail "cd" # the HTTP server keeps its last profile in the current directory

start_leaker 3000 4
pid=$LEAKER
sleep 0.3
tasks_before=$(tasks $pid)
"$LEAKSCOPE" attach --sample=8K --duration 2 --interval 0.5 --http 127.0.0.1:0 --output-dir "$T" --profile "$T/p.pb.gz" $pid \
  >"$T/attach.out" 2>"$T/attach.err" &
att=$!
n=0
until grep -q "attached to" "$T/attach.err" 2>/dev/null; do
  n=$((n + 1)); [ $n -lt 100 ] || fail "not attached: $(cat "$T/attach.err")"; sleep 0.05
done
url=$(sed -n 's|^leakscope: serving \(http://[^/]*\)/debug.*|\1|p' "$T/attach.err")
[ -n "$url" ] || fail "no serving line: $(cat "$T/attach.err")"
sleep 0.5
curl -sf "$url/metrics" >"$T/metrics" || fail "/metrics failed"
grep -q '^leakscope_up 1$' "$T/metrics" || fail "/metrics: $(cat "$T/metrics")"
grep -q '^leakscope_sampling_interval_bytes 8192$' "$T/metrics" || fail "/metrics sampling interval: $(cat "$T/metrics")"
curl -sf -o "$T/h.pb.gz" "$url/debug/pprof/heap" || fail "/debug/pprof/heap failed"
$PY "$CHECK" "$T/h.pb.gz" | grep -q "^sample leak_a<worker" || fail "the live profile has no leak_a"
[ "$(tasks $pid)" = $((tasks_before + 1)) ] || fail "want one thread more while attached (the control thread)"
wait $att || fail "attach failed: $(cat "$T/attach.err")"
[ -f "$T/leakscope-http.$pid.pb.gz" ] || fail "the HTTP server kept no last profile: $(cat "$T/attach.err")"

n=$(ls "$T"/p.[0-9]*.pb.gz 2>/dev/null | wc -l)
[ "$n" -ge 2 ] || fail "want at least 2 interval profiles in 2 s at 0.5 s, got $n"
for f in "$T"/p*.pb.gz; do $PY "$CHECK" "$f" >/dev/null || fail "invalid profile $f"; done
wait_state attached 0
[ "$(tasks $pid)" = "$tasks_before" ] || fail "$(tasks $pid) threads after the detach, $tasks_before before"
# the four threads' leaks, each under its own worker thread
near "$(inuse "$T/p.pb.gz" leak_a)" "$(state leaked_a)" 25 "leak_a of 4 threads"
wait $pid
[ $? = 5 ] || fail "the program did not end normally"
grep -q "^done$" "$T/prog.out" || fail "the program's output: $(cat "$T/prog.out")"
grep -q EINTR "$T/prog.out" && fail "the attach interrupted a sleep"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  mkdir "$T/nb" && chmod 777 "$T/nb" && chmod 711 "$T"
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$PROGS/attach_leaker" "$T/nb/state" 2500 >"$T/nb.out" 2>&1 &
  nb=$!
  n=0
  until [ -s "$T/nb/state" ]; do n=$((n + 1)); [ $n -lt 100 ] || fail "nobody's program did not start"; sleep 0.05; done
  "$LEAKSCOPE" attach --sample=8K --duration 2 --http 127.0.0.1:0 --profile "$T/nb.pb.gz" $nb >/dev/null 2>"$T/nb.err" &
  att=$!
  n=0
  until grep -q "attached to" "$T/nb.err" 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 100 ] || fail "not attached to nobody's program: $(cat "$T/nb.err")"; sleep 0.05
  done
  url=$(sed -n 's|^leakscope: serving \(http://[^/]*\)/debug.*|\1|p' "$T/nb.err")
  dir=$(for f in /proc/$att/fd/*; do readlink "$f"; done | sed -n 's|/lock$||p' | head -1)
  [ "$(stat -c %U "$dir")" = nobody ] || fail "leakscope's directory is not the target user's"
  for i in 1 2 3; do
    curl -sf "$url/metrics" | grep -q '^leakscope_up 1$' || fail "/metrics of nobody's program"
    sleep 0.3
  done
  ls "$dir" | grep -q '\.req\.' && fail "the target could not remove the requests: $(ls "$dir")"
  wait $att || fail "attach to nobody's program: $(cat "$T/nb.err")"
  $PY "$CHECK" "$T/nb.pb.gz" | grep -q "^sample leak_a<worker" || fail "no leak_a in nobody's profile"
  wait $nb
  [ $? = 5 ] || fail "nobody's program did not end normally: $(cat "$T/nb.out")"
fi
exit 0
