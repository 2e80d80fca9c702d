#!/bin/sh
# bench/scale.sh: full mode on a large live heap (bench/heap_scale.c): what the agent costs per
# tracked block, and how long the exit takes (block list, scan, classification, snapshot) for
# millions of blocks and for 1 GiB and 4 GiB of live heap; then the command's time to build the
# retention graph and its dominator tree from the exit snapshot (`leakscope retain`).
#
#   bench/scale.sh [CASE...]     CASE: BLOCKS:SIZE (default: 10000000:32 1000000:1024 4000000:1024)
#
# For each case, one native run and RUNS (default 3) runs under the agent, printed as:
#   native_rss   the program's resident memory just before it returns from main, natively
#   agent_B/blk  (that resident memory under the agent - native) / BLOCKS: the agent's steady cost
#   exit_B/blk   (peak resident memory - the resident memory before the exit) / BLOCKS: what the
#                exit scan maps for itself, on top
#   exit_s       wall seconds from main's return to the process's end, retain=0 (the leak check
#                only) and retain=1 (the leak check and the retention graph written)
#   exit_cpu_s   the CPU seconds of the same span
#   retain_s     wall seconds of `leakscope retain SNAPSHOT --top 5` (reading, dominators)
# Times are medians over RUNS. The machine is shared: quote the load (printed) with the figures.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
AGENT=$PWD/$BUILD/libleakscope.so
PROG=$PWD/$BUILD/bench/heap_scale
LEAKSCOPE=$PWD/$BUILD/leakscope
[ -x "$PROG" ] && [ -f "$AGENT" ] || { echo "scale.sh: build first (make all test-build)" >&2; exit 2; }
OUT=$(mktemp -d /tmp/leakscope-scale.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
[ $# -gt 0 ] || set -- 10000000:32 1000000:1024 4000000:1024

# one run: prints "RSS_BEFORE_KB MAXRSS_KB EXIT_S EXIT_CPU_S"; the snapshot stays in $OUT/run
scale_run() { # blocks size agent-options ("" for native)
  rm -rf "$OUT/run" && mkdir "$OUT/run"
  if [ -n "$3" ]; then
    /usr/bin/time -f "%M %U %S" -o "$OUT/time" env LD_PRELOAD="$AGENT" \
      LEAKSCOPE_OPTIONS="mode=full,quiet=1,out=$OUT/run/s.%p.raw,$3" "$PROG" "$1" "$2" 10 >/dev/null 2>"$OUT/err"
  else
    /usr/bin/time -f "%M %U %S" -o "$OUT/time" "$PROG" "$1" "$2" 10 >/dev/null 2>"$OUT/err"
  fi
  end=$(date +%s%N)
  python3 - "$OUT/err" "$OUT/time" "$end" <<'EOF'
import sys
fields = dict()
for line in open(sys.argv[1]):
    w = line.split()
    for i in range(0, len(w) - 1, 2):
        fields[w[i]] = w[i + 1]
maxrss, user, system = open(sys.argv[2]).read().split()[-3:]
exit_s = (int(sys.argv[3]) - int(fields["exit_at_ns"])) / 1e9
exit_cpu = float(user) + float(system) - int(fields["cpu_ns"]) / 1e9
print(fields["rss_kb"], maxrss, "%.3f" % exit_s, "%.3f" % max(exit_cpu, 0.0))
EOF
}

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)   runs: $RUNS   $(date -u +%FT%TZ)"
printf '%-14s %11s %11s %11s %9s %9s %11s %11s %9s\n' case native_rss agent_B/blk exit_B/blk exit_s \
  exit_s_ret exit_cpu_s cpu_s_ret retain_s
for c in "$@"; do
  blocks=${c%%:*}; size=${c#*:}
  native=$(scale_run "$blocks" "$size" "")
  : >"$OUT/r0"; : >"$OUT/r1"; : >"$OUT/rt"
  i=0
  while [ $i -lt "$RUNS" ]; do
    scale_run "$blocks" "$size" retain=0 >>"$OUT/r0"
    scale_run "$blocks" "$size" retain=1 >>"$OUT/r1"
    s=$(date +%s%N)
    "$LEAKSCOPE" retain "$OUT"/run/s.*.raw --top 5 >/dev/null 2>&1 || echo "scale.sh: leakscope retain failed" >&2
    echo "$(( ($(date +%s%N) - s) / 1000000 ))" >>"$OUT/rt"
    i=$((i + 1))
  done
  nrss=$(echo "$native" | cut -d' ' -f1)
  rss=$(cut -d' ' -f1 "$OUT/r0" | median)
  peak=$(cut -d' ' -f2 "$OUT/r0" | median)
  printf '%-14s %8s KB %11.1f %11.1f %9s %9s %11s %11s %9.3f\n' "$c" "$nrss" \
    "$(echo "($rss - $nrss) * 1024 / $blocks" | bc -l)" "$(echo "($peak - $rss) * 1024 / $blocks" | bc -l)" \
    "$(cut -d' ' -f3 "$OUT/r0" | median)" "$(cut -d' ' -f3 "$OUT/r1" | median)" \
    "$(cut -d' ' -f4 "$OUT/r0" | median)" "$(cut -d' ' -f4 "$OUT/r1" | median)" \
    "$(echo "$(median <"$OUT/rt") / 1000" | bc -l)"
done
