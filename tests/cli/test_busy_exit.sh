# test_busy_exit.sh: the exit scan stops threads that are allocating at full
# speed, from main's exit and from exit() called by another thread: the run
# ends, keeps the exit status, finds the lost block, and counts each live
# thread's DTV (glibc keeps it through an interior pointer) as possibly lost.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/run_busy_exit"
for how in main thread; do
  want=0; [ $how = thread ] && want=4
  timeout 60 "$LEAKSCOPE" run --report "$T/r.json" -- "$P" $how >/dev/null 2>&1; rc=$?
  [ $rc -eq $want ] || fail "exit from $how: status $rc, want $want"
  $PY - "$T/r.json" $how <<'PYEOF' || fail "exit from $how: report"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["definitely_lost"] == {"bytes": 77, "blocks": 1}, s["definitely_lost"]
live_threads = 4 if sys.argv[2] == "main" else 5
assert s["possibly_lost"]["blocks"] == live_threads, s["possibly_lost"]
PYEOF
done
exit 0
