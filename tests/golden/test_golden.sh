#!/bin/sh
# test_golden.sh: golden-file tests of the renderers.  Recorded inputs
# (tests/golden/inputs/) go through leakscope's commands; what each command
# writes (its standard output, its standard error when not empty, its exit
# status, and the files it writes) must equal tests/golden/expected/CASE/
# byte for byte; a difference fails the test and shows the diff.
#
# The inputs do not depend on this machine: a hand-written raw snapshot
# (leak records, sites and a retention graph) whose modules
# (/nonexistent/golden/...) exist nowhere, so its frames print as addresses
# in their objects; a JSON report with symbolized frames and a retention
# section; a Valgrind memcheck XML file; two gate configs; and pprof
# profiles written here by tests/gate/mkprofile.py from the stacks below.
# pprof output is compared as text: tests/golden/pbdump.py prints every
# field of the uncompressed protobuf (the gzip header holds a time).
#
# Normalized before the comparison (normalize() below): the scratch
# directory and the source tree in any output become <tmp> and <root>.
# Nothing else needs it today: every case runs in its own directory with
# relative file names, the pids and times in the outputs are the inputs' own
# (pid 4242 and time_ns of snapshot.raw, pid 31337 of report.json and
# vg.xml), the gate writes no time stamps, and SARIF URIs are relative to
# --source-root /src.  A new case whose output holds a path, a time or a pid
# of the run must normalize it there.
#
# To regenerate the expected files after an intended change of an output:
#   sh tests/golden/update.sh     (then review `git diff tests/golden/expected`)
. "$(dirname "$0")/../harness/common.sh"
GOLDEN="$LEAKSCOPE_ROOT/tests/golden"
IN="$GOLDEN/inputs"
EXPECTED="$GOLDEN/expected"
OUT="${GOLDEN_OUT:-$T/got}"   # update.sh sets GOLDEN_OUT
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
unset DEBUGINFOD_URLS          # symbolizing must never look anything up on the network
export LC_ALL=C TZ=UTC

# The profiles: "leaf;caller;main=INUSE[/ALLOC]" stacks (mkprofile.py).
mkdir -p "$T/profiles" "$OUT" || exit 1
$PY "$LEAKSCOPE_ROOT/tests/gate/mkprofile.py" "$T/profiles/base.pb.gz" \
  'cache_put;handle_request;main=1000000' 'parse_header;handle_request;main=500000/2000000' \
  'config_load;main=200000' || fail "mkprofile base"
$PY "$LEAKSCOPE_ROOT/tests/gate/mkprofile.py" "$T/profiles/new.pb.gz" \
  'cache_put;handle_request;main=1600000' 'parse_header;handle_request;main=450000/3000000' \
  'config_load;main=200000' 'session_new;handle_request;main=50000' || fail "mkprofile new"

normalize() {  # FILE: in place
  sed -e "s|$T|<tmp>|g" -e "s|$LEAKSCOPE_ROOT|<root>|g" "$1" >"$1.norm" && mv "$1.norm" "$1"
}

# golden [-q] CASE COMMAND...: run `leakscope COMMAND...` in a directory of
# its own holding the inputs; keep its stdout (not with -q: a conversion
# whose text another case has), stderr (when not empty), exit status and the
# files it wrote in $OUT/CASE.
golden() {
  quiet=0
  [ "$1" = -q ] && { quiet=1; shift; }
  case_name=$1; shift
  dir="$T/run/$case_name"
  mkdir -p "$dir" "$OUT/$case_name" || exit 1
  cp "$IN"/* "$T/profiles"/* "$dir"/ || exit 1
  (cd "$dir" && "$LEAKSCOPE" "$@" >"$OUT/$case_name/stdout" 2>"$OUT/$case_name/stderr"
   echo $? >"$OUT/$case_name/status")
  [ -s "$OUT/$case_name/stderr" ] || rm -f "$OUT/$case_name/stderr"
  [ $quiet = 0 ] || rm -f "$OUT/$case_name/stdout"
  for f in "$dir"/*; do
    name=$(basename "$f")
    [ -e "$IN/$name" ] || [ -e "$T/profiles/$name" ] || mv "$f" "$OUT/$case_name/$name"
  done
  for f in "$OUT/$case_name"/*.pb.gz; do
    [ -e "$f" ] || continue
    $PY "$GOLDEN/pbdump.py" "$f" >"${f%.gz}.txt" || fail "$case_name: $(basename "$f") is not a profile"
    rm -f "$f"
  done
  for f in "$OUT/$case_name"/*; do normalize "$f"; done
}

# leakscope report: text from each input kind, then each conversion
golden report-raw report snapshot.raw
golden report-json report report.json
golden report-pprof report --sample-type alloc_space --top 2 base.pb.gz
golden -q report-raw-to-json report snapshot.raw --json out.json
golden -q report-json-to-json report report.json --json out.json
golden -q report-raw-to-xml report snapshot.raw --xml out.xml
golden -q report-json-to-xml report report.json --xml out.xml
golden -q report-raw-to-profile report snapshot.raw --profile out.pb.gz
golden -q report-pprof-to-profile report base.pb.gz --profile out.pb.gz
# leakscope diff
golden diff diff base.pb.gz new.pb.gz
golden diff-alloc diff --sample-type alloc_space --top 2 base.pb.gz new.pb.gz
# leakscope flame
golden flame-folded-raw flame snapshot.raw --folded
golden flame-folded-pprof flame new.pb.gz --folded --sample-type alloc_space
golden flame-svg flame new.pb.gz -o flame.svg --title 'golden <heap> & "co"'
# leakscope retain
golden retain-json retain report.json
golden retain-raw retain snapshot.raw --top 1
# leakscope gate: leak thresholds (JSON, JUnit, SARIF), a report's holders, growth and budget
golden gate-leaks gate --config thresholds.yaml --json gate.json --junit junit.xml --sarif gate.sarif \
  --source-root /src vg.xml
golden gate-report gate --config thresholds.yaml --json gate.json report.json
golden gate-growth gate --config growth.yaml --json gate.json --junit junit.xml new.pb.gz

[ -n "${GOLDEN_OUT:-}" ] && exit 0   # update.sh compares nothing
if ! diff -ru "$EXPECTED" "$OUT" >"$T/diff"; then
  sed "s|$OUT|got|g" "$T/diff"   # "-" lines are expected, "+" lines what the command wrote
  diff -rq "$EXPECTED" "$OUT" | sed -e "s|$EXPECTED|expected|g" -e "s|$OUT|got|g"
  fail "outputs differ from tests/golden/expected (sh tests/golden/update.sh regenerates them)"
fi
echo "golden: $(ls "$OUT" | wc -l) cases, all outputs as expected"
