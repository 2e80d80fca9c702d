#!/bin/sh
# test_pprof.sh: `leakscope report` turns raw snapshots (written by the test
# program pprof_sites from its own modules and return addresses, in sample
# and full mode) into pprof profiles; an independent decoder
# (pprof_check.py: gzip + its own protobuf reader) checks the structure and
# the values; the profile reads back into the same profile; the top-sites
# table is right for two sample types; truncated and corrupted profiles
# give one error line, exit 2 and no output file.  go tool pprof checks are
# in test_pprof_go.sh.
. "$(dirname "$0")/../harness/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="$PY $HERE/pprof_check.py"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -x "$PROGS/pprof_sites" ] || fail "$PROGS/pprof_sites is not built"

"$PROGS/pprof_sites" "$T/s.raw" sample || fail "pprof_sites sample"
"$PROGS/pprof_sites" "$T/f.raw" full || fail "pprof_sites full"
prog=$(awk '$1 == "module" { print $4; exit }' "$T/s.raw")
buildid=$(awk '$1 == "module" { print $3; exit }' "$T/s.raw")

# 1. raw snapshot -> profile, in both modes
for m in s f; do
  "$LEAKSCOPE" report "$T/$m.raw" --profile "$T/$m.pb.gz" >"$T/$m.txt" 2>"$T/$m.err" ||
    fail "report $m.raw: $(cat "$T/$m.err")"
  [ -s "$T/$m.pb.gz" ] || fail "no profile from $m.raw"
  [ ! -e "$T/$m.pb.gz.tmp" ] || fail "temporary file left behind"
  $CHECK "$T/$m.pb.gz" >"$T/$m.dump" || fail "pprof_check rejects the $m profile"
  grep -q "^mapping $prog $buildid flags=FN,FL,LN" "$T/$m.dump" ||
    fail "$m: no symbolized mapping for $prog with build-id $buildid: $(grep mapping "$T/$m.dump")"
  [ "$(grep -c '^sample ' "$T/$m.dump")" -eq 3 ] || fail "$m: want 3 samples: $(cat "$T/$m.dump")"
  grep -q '^sample pprof_alloc_big<pprof_middle<main<.* 3 3145728 2 2097152 bytes=1048576$' "$T/$m.dump" ||
    fail "$m: big site wrong: $(grep '^sample' "$T/$m.dump")"
  grep -q '^sample pprof_alloc_small<main<.* 100 1600 40 640 bytes=16$' "$T/$m.dump" ||
    fail "$m: small site wrong: $(grep '^sample' "$T/$m.dump")"
  grep -q '^sample pprof_churn<pprof_middle<main<.* 1000 1048576000 0 0 bytes=1048576$' "$T/$m.dump" ||
    fail "$m: churn site wrong: $(grep '^sample' "$T/$m.dump")"
  grep -q '^period_type space bytes$' "$T/$m.dump" || fail "$m: period type"
done
grep -q '^period 524288$' "$T/s.dump" || fail "sample mode: period should be 524288"
grep -q '^period 1$' "$T/f.dump" || fail "full mode: period should be 1"
[ "$(grep '^time_nanos' "$T/s.dump")" = "time_nanos $(awk '$1 == "time_ns" { print $2 }' "$T/s.raw")" ] ||
  fail "time_nanos differs from the snapshot's time_ns"

# 2. the top-sites table: inuse_space by default, largest first
first_row() { awk '/^ *-?[0-9][0-9,]* / { print; exit }' "$1"; }
row=$(first_row "$T/s.txt")
case "$row" in *pprof_alloc_big*pprof_middle*main*) ;; *) fail "top inuse row: $row" ;; esac
[ "$(echo "$row" | awk '{ gsub(",", "", $1); print $1 }')" = 2097152 ] || fail "top inuse value: $row"
grep -q 'pprof_sites.c:' "$T/s.txt" || fail "no file:line in the table: $(cat "$T/s.txt")"
"$LEAKSCOPE" report "$T/s.raw" --sample-type alloc_space --top 2 >"$T/a.txt" || fail "report --sample-type"
row=$(first_row "$T/a.txt")
case "$row" in *pprof_churn*) ;; *) fail "top alloc_space row: $row" ;; esac
[ "$(echo "$row" | awk '{ gsub(",", "", $1); print $1 }')" = 1048576000 ] || fail "alloc_space value: $row"
[ "$(awk '/^ *[0-9][0-9,]* / { n++ } END { print n + 0 }' "$T/a.txt")" -eq 2 ] || fail "--top 2 shows $(cat "$T/a.txt")"
"$LEAKSCOPE" report "$T/s.raw" --sample-type alloc_objects --top 1 >"$T/o.txt" || fail "alloc_objects"
[ "$(first_row "$T/o.txt" | awk '{ gsub(",", "", $1); print $1 }')" = 1000 ] || fail "alloc_objects: $(cat "$T/o.txt")"
grep -q 'definitely lost: 1,048,576 bytes in 1 blocks' "$T/f.txt" ||
  fail "full mode with a leak check: no leak summary: $(cat "$T/f.txt")"
printf '{\n   big_cache\n   Memcheck:Leak\n   match-leak-kinds: definite\n   fun:pprof_alloc_big\n   ...\n}\n' >"$T/big.supp"
"$LEAKSCOPE" report "$T/f.raw" --suppressions "$T/big.supp" >"$T/fs.txt" 2>"$T/err" || fail "--suppressions: $(cat "$T/err")"
grep -q 'suppressed: 1,048,576 bytes in 1 blocks' "$T/fs.txt" || fail "suppression not applied: $(cat "$T/fs.txt")"
grep -q 'definitely lost: 0 bytes in 0 blocks' "$T/fs.txt" || fail "suppression not applied: $(cat "$T/fs.txt")"
"$LEAKSCOPE" report "$T/f.raw" --suppressions "$T/none.supp" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] || fail "missing suppression file: $(cat "$T/err")"
for bad in "--top x" "--top -1" "--sample-type cpu" "--bogus" "--json"; do
  "$LEAKSCOPE" report "$T/s.raw" $bad >/dev/null 2>"$T/err"
  [ $? -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] || fail "report $bad: $(cat "$T/err")"
done

# the other outputs of report, and a JSON report read back
"$LEAKSCOPE" report "$T/f.raw" --json "$T/f.json" --xml "$T/f.xml" >/dev/null 2>"$T/err" ||
  fail "report --json --xml: $(cat "$T/err")"
$PY -c 'import json, sys, xml.etree.ElementTree as ET
r = json.load(open(sys.argv[1]))
assert r["schema"] == "leakscope-report/1" and r["summary"]["definitely_lost"]["bytes"] == 1048576, r["summary"]
ET.parse(sys.argv[2])' "$T/f.json" "$T/f.xml" || fail "--json/--xml output"

# 3. round trip: the profile read back and written again is the same profile
for m in s f; do
  "$LEAKSCOPE" report "$T/$m.pb.gz" --profile "$T/$m.2.pb.gz" >"$T/$m.2.txt" 2>"$T/err" ||
    fail "report of our own profile: $(cat "$T/err")"
  $CHECK "$T/$m.2.pb.gz" >"$T/$m.2.dump" || fail "rewritten profile rejected"
  diff "$T/$m.dump" "$T/$m.2.dump" >&2 || fail "$m: profile changed in a round trip"
  [ "$(first_row "$T/$m.2.txt")" = "$(first_row "$T/$m.txt")" ] || fail "$m: table changed in a round trip"
done

# 4. bad input: truncated, corrupted, not a profile; one line, exit 2, no output
size=$(wc -c <"$T/s.pb.gz")
bad_case() {  # name: $T/bad holds the input
  for cmd in report flame; do
    rm -f "$T/out"*
    if [ $cmd = report ]; then
      "$LEAKSCOPE" report "$T/bad" --profile "$T/out.pb.gz" >/dev/null 2>"$T/err"
    else
      "$LEAKSCOPE" flame "$T/bad" -o "$T/out.svg" 2>"$T/err"
    fi
    rc=$?
    [ $rc -eq 2 ] || fail "$cmd on $1: exit $rc, want 2 ($(cat "$T/err"))"
    [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$cmd on $1: want one line: $(cat "$T/err")"
    grep -q '^leakscope: ' "$T/err" || fail "$cmd on $1: $(cat "$T/err")"
    [ -z "$(ls "$T" | grep '^out')" ] || fail "$cmd on $1 left $(ls "$T" | grep '^out')"
  done
}
for cut in 1 2 10 20 $((size / 3)) $((size / 2)) $((size - 9)) $((size - 1)); do
  head -c "$cut" "$T/s.pb.gz" >"$T/bad"
  bad_case "profile cut at $cut of $size bytes"
done
for at in 12 $((size / 4)) $((size / 2)) $((size - 6)) $((size - 2)); do
  $PY -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[int(sys.argv[2])] ^= 0x55
open(sys.argv[3], "wb").write(d)' "$T/s.pb.gz" "$at" "$T/bad"
  bad_case "profile with byte $at flipped"
done
gzip -dc "$T/s.pb.gz" >"$T/plain.pb" || fail "gunzip"
psize=$(wc -c <"$T/plain.pb")
"$LEAKSCOPE" report "$T/plain.pb" >/dev/null 2>"$T/err" || fail "an uncompressed profile is valid: $(cat "$T/err")"
head -c $((psize - 1)) "$T/plain.pb" >"$T/bad"  # the last string is cut short
bad_case "an uncompressed profile cut by one byte"
printf 'this is not a profile\n' >"$T/bad"
bad_case "a text file"
printf '\037\213\010\000\000\000\000\000\000\003' >"$T/bad"
bad_case "a gzip header alone"
# 5. a JSON report written by report reads back
"$LEAKSCOPE" report "$T/f.json" >"$T/j.txt" 2>"$T/err" || fail "report of a JSON report: $(cat "$T/err")"
grep -q 'definitely lost: 1,048,576 bytes in 1 blocks' "$T/j.txt" || fail "report of a JSON report: $(cat "$T/j.txt")"
echo "ok"
