#!/bin/bash
# bench/watch_cost.sh: what `leakscope run --watch` adds to sample mode's cost, by bench/ab.py's
# alternating A/B pairs on bench/malloc_mt (two threads, millions of malloc/free), both sides
# under `leakscope run --sample`:
#   watch-default   --watch (60 s window: a snapshot every 2 s)
#   watch-6         --watch=6 (a snapshot every 0.2 s: ten times the default's snapshots)
# The workload runs SCALE (default 20: 5 s of CPU, 12 s on the loaded machine of RESULTS.md) so that the default watch takes
# a few snapshots. Results go to stdout (the RESULT lines) and to bench/results.jsonl.
#   bench/watch_cost.sh [PAIRS [SCALE]]
set -eu
cd "$(dirname "$0")/.."
PAIRS=${1:-5}
SCALE=${2:-20}
LS=build/leakscope
MT=build/bench/malloc_mt
[ -x "$LS" ] && [ -x "$MT" ] || { echo "watch_cost: build first (make all test-build)" >&2; exit 2; }
for row in "watch-default --watch" "watch-6 --watch=6"; do
  set -- $row
  python3 bench/ab.py --pairs "$PAIRS" --name "malloc_mt/$1" --base-label leakscope-sample --check-stdout \
    --jsonl bench/results.jsonl -- "$LS" run --sample -- "$MT" "$SCALE" --vs-- "$LS" run --sample "$2" -- "$MT" "$SCALE" |
    tail -n 1
done
