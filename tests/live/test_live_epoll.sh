#!/bin/sh
# test_live_epoll.sh: a live retention snapshot's stop (ptrace) cuts short
# none of the waits the kernel never restarts by itself after an
# interruption, in full and in sample mode: threads in epoll_wait (a
# timeout of five minutes, and none), epoll_pwait, epoll_pwait2 and
# semtimedop see no EINTR and no early timeout through three `retain
# --pid` snapshots (tests/progs/live_epoll).
. "$(dirname "$0")/../harness/common.sh"
PROG=$PROGS/live_epoll
SNAPSHOTS=3
cd "$T" || exit 2
mkfifo fifo || fail "mkfifo"

# run NAME COMMAND...: the program under COMMAND, SNAPSHOTS live snapshots of it, then its line
run() {
  name=$1; shift
  rm -f ready
  "$@" "$PROG" "$T/fifo" "$T/ready" >"$name.out" 2>"$name.err" &
  LS=$!
  for i in $(seq 300); do [ -e ready ] && break; sleep 0.1; done
  [ -e ready ] || fail "$name: the program did not start: $(cat "$name.err")"
  if [ "$name" != alone ]; then
    PID=$(pgrep -P "$LS" | head -n 1)
    [ -n "$PID" ] || fail "$name: no target process"
    for k in $(seq $SNAPSHOTS); do
      "$LEAKSCOPE" retain --pid "$PID" >"$name.$k.txt" 2>"$name.rerr" || fail "$name: retain --pid: $(cat "$name.rerr")"
    done
  fi
  echo end >fifo
  wait "$LS" || fail "$name: exit $?: $(cat "$name.err")"
}

run alone env
want="epoll_wait(5min) 0 EINTR 0 early, epoll_wait(-1) 0 EINTR 0 early, epoll_pwait(5min) 0 EINTR 0 early, epoll_pwait2(NULL) 0 EINTR 0 early, semtimedop(5min) 0 EINTR 0 early"
[ "$(cat alone.out)" = "$want" ] || fail "the program alone printed: $(cat alone.out)"
for mode in full sample; do
  opt=; [ $mode = sample ] && opt=--sample=64K
  run $mode "$LEAKSCOPE" run $opt --
  $PY - "$(cat $mode.out)" <<'PYEOF' || fail "$mode: $(cat $mode.out)"
import re, sys
line = sys.argv[1]
seen = {name: (int(eintr), int(early)) for name, eintr, early in re.findall(r"(\S+) (\d+) EINTR (\d+) early", line)}
assert len(seen) == 5, line
for name, (eintr, early) in seen.items():
    assert (eintr, early) == (0, 0), (name, "cut short by the stop", eintr, early)
PYEOF
done
echo "test_live_epoll: all checks passed"
