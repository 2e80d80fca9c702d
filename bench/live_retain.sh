#!/bin/sh
# live_retain.sh: what a live retention snapshot (leakscope retain --pid)
# costs the program: the pause (the world stop and the copy of the page
# tables, as the agent's child measures it, with the stop's share, and the
# longest the program's own ticking thread was kept from running over the
# whole run), the child's scan time (wall
# and CPU) and the memory it held alone, and the command's whole time,
# at 100 MB and 1 GB of live heap, in full and sample mode.
#
#   bench/live_retain.sh [SIZES_MB] [REPEATS]      (default "100 1024" and 5)
#
# Prints one line per snapshot and a median line per size and mode; not a
# timed test (nothing here runs in CI).  Needs make all (build/bench/live_heap).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LS=$ROOT/build/leakscope
PROG=$ROOT/build/bench/live_heap
SIZES=${1:-"100 1024"}
REPEATS=${2:-5}
[ -x "$PROG" ] || { echo "missing $PROG: make all" >&2; exit 2; }
W=$(mktemp -d /tmp/live_retain.XXXXXX)
trap 'rm -rf "$W"' EXIT
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# mode  heap_mb  pause_ms  stop_ms  scan_ms  scan_cpu_ms  child_private_mb  command_s"
for mb in $SIZES; do
  for mode in full sample; do
    rm -f "$W"/ready "$W"/stop "$W"/r.*
    opt=""; [ $mode = sample ] && opt=--sample
    "$LS" run $opt -- "$PROG" "$W/ready" "$W/stop" "$mb" >"$W/out" 2>"$W/err" &
    sup=$!
    while [ ! -e "$W/ready" ]; do sleep 0.2; done
    pid=$(pgrep -P $sup | head -n 1)
    i=0
    while [ $i -lt "$REPEATS" ]; do
      i=$((i + 1))
      t0=$(date +%s.%N)
      "$LS" retain --pid "$pid" --top 1 --json "$W/r.$i.json" >/dev/null 2>>"$W/retain.err" || { cat "$W/retain.err" >&2; break; }
      t1=$(date +%s.%N)
      python3 - "$W/r.$i.json" "$mode" "$mb" "$t0" "$t1" <<'PY'
import json, sys
live = json.load(open(sys.argv[1]))["retention"]["live"]
print("%-6s %6s %9.2f %8.2f %8.0f %12.0f %17.1f %10.2f" % (sys.argv[2], sys.argv[3], live["pause_ns"] / 1e6, live["stop_ns"] / 1e6,
      live["scan_ns"] / 1e6, live["scan_cpu_ns"] / 1e6, live["child_private_kb"] / 1024.0,
      float(sys.argv[5]) - float(sys.argv[4])))
PY
    done | tee "$W/rows"
    touch "$W/stop"
    wait $sup
    gap=$(awk '{ print $4 / 1000 }' "$W/out")
    echo "median $mode $mb MB: pause $(awk '{print $3}' "$W/rows" | median) ms (stop $(awk '{print $4}' "$W/rows" | median) ms), scan $(awk '{print $5}' "$W/rows" | median) ms, child $(awk '{print $7}' "$W/rows" | median) MB, command $(awk '{print $8}' "$W/rows" | median) s; $(awk '{print $2}' "$W/out") blocks; the program's ticking thread's longest gap over the whole run $gap ms"
  done
done
