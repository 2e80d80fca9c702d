#!/bin/bash
# bench/attach_cost.sh: what an attached agent costs the program, against the program alone
# and against `leakscope run --sample` (the same agent, preloaded), on the same workload
# (bench/attach_work.c, which times its own work so that the attach itself is left out).
#
#   bench/attach_cost.sh [PAIRS]      (default 7; SCALE=2 the workload's size)
#
# Each round runs the three in turn, the order rotated every round: plain; `leakscope run
# --sample --`; started plain, `leakscope attach --sample PID` until it ends. The ratios are
# per round (attached / plain, run --sample / plain), of the work's wall time and of the
# process's CPU time (which another process's load disturbs less); the medians are printed
# with their spread, and the attach's stop as `leakscope attach` reports it. This is a short
# check for a shared machine; the lead runs the final numbers.
set -u
cd "$(dirname "$0")/.."
PAIRS=${1:-7}
SCALE=${SCALE:-2}
BUILD=${BUILD:-build}
WORK=$BUILD/bench/attach_work
LEAKSCOPE=$BUILD/leakscope
[ -x "$WORK" ] && [ -x "$LEAKSCOPE" ] || { echo "build first: make test-build" >&2; exit 2; }
D=$(mktemp -d /tmp/leakscope-attach-bench.XXXXXX)
trap 'rm -rf "$D"' EXIT

go_when_ready() { # GO: wait for GO.ready, then create GO
  while [ ! -e "$1.ready" ]; do sleep 0.01; done
  touch "$1"
}

plain() {
  rm -f "$D"/go*
  go_when_ready "$D/go" &
  "$WORK" "$D/go" "$SCALE" | awk '{ print $2, $4 }'
}

run_sample() {
  rm -f "$D"/go*
  go_when_ready "$D/go" &
  "$LEAKSCOPE" run --sample -- "$WORK" "$D/go" "$SCALE" 2>/dev/null | awk '{ print $2, $4 }'
}

attached() {
  rm -f "$D"/go*
  "$WORK" "$D/go" "$SCALE" >"$D/out" &
  local pid=$!
  while [ ! -e "$D/go.ready" ]; do sleep 0.01; done
  "$LEAKSCOPE" attach --sample "$pid" >/dev/null 2>"$D/attach.err" &
  local att=$!
  while ! grep -q "attached to" "$D/attach.err" 2>/dev/null; do
    kill -0 $att 2>/dev/null || { cat "$D/attach.err" >&2; exit 1; }
    sleep 0.01
  done
  sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$D/attach.err" >>"$D/stops"
  touch "$D/go"
  wait $pid
  kill -INT $att
  wait $att
  awk '{ print $2, $4 }' "$D/out"
}

: >"$D/rows"
for round in $(seq "$PAIRS"); do
  case $((round % 3)) in
    0) p=$(plain); s=$(run_sample); a=$(attached) ;;
    1) s=$(run_sample); a=$(attached); p=$(plain) ;;
    2) a=$(attached); p=$(plain); s=$(run_sample) ;;
  esac
  echo "$p $s $a" >>"$D/rows"
  echo "round $round (wall cpu): plain $p  run --sample $s  attached $a" >&2
done
/usr/bin/python3 - "$D/rows" "$D/stops" <<'PY'
import statistics, sys
# each row: plain wall, cpu, run --sample wall, cpu, attached wall, cpu
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
stops = [float(l) for l in open(sys.argv[2]) if l.strip()]
def q(v):
    v = sorted(v)
    return statistics.median(v), v[len(v) // 4], v[(3 * len(v)) // 4]
for what, k in (("wall", 0), ("cpu", 1)):
    for name, a, b in (("run --sample / plain", 2, 0), ("attached / plain", 4, 0), ("attached / run --sample", 4, 2)):
        m, lo, hi = q([r[a + k] / r[b + k] for r in rows])
        print(f"{what:4} {name:24}: median {m:.3f} (p25 {lo:.3f}, p75 {hi:.3f}) over {len(rows)} rounds")
print(f"plain median {statistics.median(r[0] for r in rows):.3f} s wall; attach stop median "
      f"{statistics.median(stops):.1f} ms (max {max(stops):.1f})")
PY
