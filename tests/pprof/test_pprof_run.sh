#!/bin/sh
# test_pprof_run.sh: end to end, `leakscope run --profile` in full and
# sample mode on a program with known sites (pprof_run: 100 x 1 MiB live,
# 1000 x 100000 bytes churned).  The independent decoder accepts both
# profiles; full mode has the exact values, sample mode estimates within
# 25% (the tight accuracy bound is tested with the sampler); go tool pprof
# (when installed) shows our function names; report and flame read them.
. "$(dirname "$0")/../harness/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="$PY $HERE/pprof_check.py"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -f "$LEAKSCOPE_AGENT" ] || fail "$LEAKSCOPE_AGENT is not built"
[ -x "$PROGS/pprof_run" ] || fail "$PROGS/pprof_run is not built"

"$LEAKSCOPE" run --profile "$T/full.pb.gz" -- "$PROGS/pprof_run" >/dev/null 2>"$T/err" ||
  fail "run --profile: $(cat "$T/err")"
"$LEAKSCOPE" run --sample --profile "$T/sample.pb.gz" -- "$PROGS/pprof_run" >/dev/null 2>"$T/err" ||
  fail "run --sample --profile: $(cat "$T/err")"
for m in full sample; do
  [ -s "$T/$m.pb.gz" ] || fail "$m: no profile"
  $CHECK "$T/$m.pb.gz" >"$T/$m.dump" || fail "$m: pprof_check rejects the profile"
  grep -q "^mapping $PROGS/pprof_run .*flags=FN,FL,LN" "$T/$m.dump" ||
    fail "$m: no symbolized mapping for pprof_run: $(grep '^mapping' "$T/$m.dump")"
done
grep -q '^period 1$' "$T/full.dump" || fail "full mode period: $(grep '^period' "$T/full.dump")"
grep -q '^period 524288$' "$T/sample.dump" || fail "sample mode period: $(grep '^period' "$T/sample.dump")"

# per leaf function: alloc_objects alloc_space inuse_objects inuse_space, summed over samples
sums() {  # dump function
  awk -v fn="$2" '$1 == "sample" { split($2, f, "<"); if (f[1] != fn) next
      n = $NF ~ /^bytes=/ ? NF - 1 : NF; a += $(n - 3); b += $(n - 2); c += $(n - 1); d += $n }
    END { print a + 0, b + 0, c + 0, d + 0 }' "$1"
}
[ "$(sums "$T/full.dump" pprof_keep_live)" = "100 104857600 100 104857600" ] ||
  fail "full: keep_live: $(sums "$T/full.dump" pprof_keep_live): $(grep '^sample' "$T/full.dump")"
[ "$(sums "$T/full.dump" pprof_churn)" = "1000 100000000 0 0" ] ||
  fail "full: churn: $(sums "$T/full.dump" pprof_churn)"
within() {  # value truth percent
  awk -v v="$1" -v t="$2" -v p="$3" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(d <= t * p / 100) }'
}
set -- $(sums "$T/sample.dump" pprof_keep_live)
within "$4" 104857600 25 || fail "sample: keep_live inuse_space $4, truth 104857600"
within "$2" 104857600 25 || fail "sample: keep_live alloc_space $2, truth 104857600"
set -- $(sums "$T/sample.dump" pprof_churn)
within "$2" 100000000 25 || fail "sample: churn alloc_space $2, truth 100000000"
[ "$4" -lt 10000000 ] || fail "sample: churn inuse_space $4, truth 0"

# report and flame read what run wrote
"$LEAKSCOPE" report "$T/full.pb.gz" >"$T/top" 2>"$T/err" || fail "report: $(cat "$T/err")"
awk '/^ *[0-9][0-9,]* / { print; exit }' "$T/top" | grep -q '^ *104,857,600 .*pprof_keep_live pprof_run.c:' ||
  fail "report of the run's profile: $(cat "$T/top")"
"$LEAKSCOPE" flame "$T/sample.pb.gz" --sample-type alloc_space --folded >"$T/folded" ||
  fail "flame of the run's profile"
grep -q ';pprof_churn [0-9]*$' "$T/folded" || fail "folded: $(cat "$T/folded")"

GO=$(command -v go || { [ -x /usr/lib/go/bin/go ] && echo /usr/lib/go/bin/go; })
if [ -n "$GO" ]; then
  export HOME="$T/home" GOCACHE="$T/gocache"
  mkdir -p "$HOME"
  for m in full sample; do
    "$GO" tool pprof -top -nodefraction=0 "$T/$m.pb.gz" >"$T/gotop" 2>"$T/err" ||
      fail "go tool pprof ($m): $(cat "$T/err")"
    grep -q ' pprof_keep_live$' "$T/gotop" || fail "go tool pprof ($m): $(cat "$T/gotop")"
    "$GO" tool pprof -top -nodefraction=0 -sample_index=alloc_space "$T/$m.pb.gz" >"$T/gotop" 2>"$T/err" ||
      fail "go tool pprof alloc_space ($m): $(cat "$T/err")"
    grep -q ' pprof_churn$' "$T/gotop" || fail "go tool pprof alloc_space ($m): $(cat "$T/gotop")"
  done
fi
echo "ok"
