#!/bin/sh
# test_flame.sh: `leakscope flame`: the SVG is well-formed XML with the
# function names, tooltips and the inline script (whose zoom and search are
# exercised under node when it is installed); --folded writes
# "root;...;leaf COUNT" lines with the right values for two sample types,
# the same from a raw snapshot and from its pprof profile; bad usage and
# bad input exit 2 without output.
. "$(dirname "$0")/../harness/common.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
[ -x "$PROGS/pprof_sites" ] || fail "$PROGS/pprof_sites is not built"
"$PROGS/pprof_sites" "$T/s.raw" sample || fail "pprof_sites"

# 1. SVG
"$LEAKSCOPE" flame "$T/s.raw" -o "$T/s.svg" --title 'Heap <of> "prog" & co' 2>"$T/err" ||
  fail "flame -o: $(cat "$T/err")"
[ ! -e "$T/s.svg.tmp" ] || fail "temporary file left behind"
$PY - "$T/s.svg" <<'EOF' || fail "SVG check"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == ns + "svg", root.tag
assert root.find(ns + "script") is not None, "no script"
title = [t for t in root.iter(ns + "text") if t.get("id") == "title"][0]
assert title.text == 'Heap <of> "prog" & co', title.text
frames = {g.find(ns + "title").text.split("\n")[0]: g for g in root.iter(ns + "g") if g.get("class") == "f"}
for name in ("all", "main", "pprof_middle", "pprof_alloc_big", "pprof_alloc_small"):
    assert name in frames, "no frame %s in %s" % (name, sorted(frames))
assert "pprof_churn" not in frames, "churn has no live bytes"
tip = frames["pprof_alloc_big"].find(ns + "title").text
assert "2097152 bytes" in tip and "99.97%" in tip and "2 objects" in tip, tip
assert frames["all"].get("data-v") == "2097792", frames["all"].get("data-v")
big = float(frames["pprof_alloc_big"].find(ns + "rect").get("width"))
full = float(frames["all"].find(ns + "rect").get("width"))
assert abs(big / full - 2097152 / 2097792) < 0.001, (big, full)
# root at the bottom: callers below callees
y = lambda n: float(frames[n].find(ns + "rect").get("y"))
assert y("all") > y("main") > y("pprof_middle") > y("pprof_alloc_big"), "not a flame graph"
EOF
"$LEAKSCOPE" flame "$T/s.raw" -o "$T/i.svg" --inverted --sample-type alloc_objects || fail "--inverted"
$PY - "$T/i.svg" <<'EOF' || fail "inverted SVG check"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
frames = {g.find(ns + "title").text.split("\n")[0]: g for g in ET.parse(sys.argv[1]).getroot().iter(ns + "g") if g.get("class") == "f"}
y = lambda n: float(frames[n].find(ns + "rect").get("y"))
assert y("all") < y("main") < y("pprof_middle") < y("pprof_churn"), "not an icicle graph"
assert "1000 objects" in frames["pprof_churn"].find(ns + "title").text
EOF
if command -v node >/dev/null 2>&1; then
  # alloc_objects: small 100, big 3, churn 1000 of 1103; inside pprof_middle, churn is 1000 of 1003
  node "$HERE/flame_js_check.js" "$T/i.svg" 'pprof_middle' 90.9 pprof_middle 'churn' 99.7 ||
    fail "flame graph script"
fi

# 2. folded stacks
"$LEAKSCOPE" flame "$T/s.raw" --folded >"$T/s.folded" 2>"$T/err" || fail "--folded: $(cat "$T/err")"
grep -Evq '^(.*) ([0-9]+)$' "$T/s.folded" && fail "bad folded line: $(grep -Ev '^(.*) ([0-9]+)$' "$T/s.folded")"
grep -Eq '(^|;)main;pprof_middle;pprof_alloc_big 2097152$' "$T/s.folded" || fail "folded big: $(cat "$T/s.folded")"
grep -Eq '(^|;)main;pprof_alloc_small 640$' "$T/s.folded" || fail "folded small: $(cat "$T/s.folded")"
grep -q pprof_churn "$T/s.folded" && fail "churn has no live bytes: $(cat "$T/s.folded")"
[ "$(awk '{ s += $NF } END { print s }' "$T/s.folded")" = 2097792 ] || fail "folded total"
"$LEAKSCOPE" flame --folded "$T/a.folded" "$T/s.raw" --sample-type alloc_space || fail "--folded OUT PROFILE"
grep -Eq '(^|;)main;pprof_middle;pprof_churn 1048576000$' "$T/a.folded" || fail "alloc_space folded: $(cat "$T/a.folded")"
"$LEAKSCOPE" flame "$T/s.raw" --folded "$T/b.folded" || fail "PROFILE --folded OUT"
cmp -s "$T/b.folded" "$T/s.folded" || fail "folded to a file differs from stdout"
"$LEAKSCOPE" report "$T/s.raw" --profile "$T/s.pb.gz" >/dev/null || fail "report --profile"
"$LEAKSCOPE" flame "$T/s.pb.gz" --folded >"$T/p.folded" || fail "flame of a profile"
cmp -s "$T/p.folded" "$T/s.folded" || fail "folded from the profile differs: $(diff "$T/s.folded" "$T/p.folded")"
"$LEAKSCOPE" flame "$T/s.pb.gz" --folded --lines | grep -Eq 'pprof_alloc_big \(pprof_sites\.c:[0-9]+\) 2097152$' ||
  fail "--lines"

# 3. usage and bad input
usage_case() {  # description, args...
  what="$1"; shift
  "$LEAKSCOPE" flame "$@" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 2 ] || fail "flame $what: exit $rc, want 2"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "flame $what: $(cat "$T/err")"
  [ ! -e "$T/x.svg" ] || fail "flame $what wrote output"
}
# without -o or --folded: NAME.svg in the current directory, and a line says so
mkdir "$T/cwd"
(cd "$T/cwd" && "$LEAKSCOPE" flame "$T/s.pb.gz" >"$T/out" 2>"$T/err") || fail "flame without -o: $(cat "$T/err")"
[ -s "$T/cwd/s.svg" ] || fail "flame without -o wrote no s.svg: $(ls "$T/cwd")"
grep -q "^leakscope: flame graph written to s.svg" "$T/err" || fail "the default file is not announced: $(cat "$T/err")"
grep -q "<svg" "$T/cwd/s.svg" || fail "s.svg is not an SVG"
"$LEAKSCOPE" help flame | grep -q -- "--inverted  *an icicle graph" || fail "--inverted is not described"
"$LEAKSCOPE" help flame | grep -q -- "--lines  *one frame per source line" || fail "--lines is not described"
usage_case "without input" -o "$T/x.svg"
usage_case "with a bad sample type" "$T/s.raw" -o "$T/x.svg" --sample-type cpu
usage_case "with an unknown option" "$T/s.raw" -o "$T/x.svg" --bogus
usage_case "on a missing file" "$T/none.pb.gz" -o "$T/x.svg"
head -c 100 "$T/s.pb.gz" >"$T/cut.pb.gz"
usage_case "on a truncated profile" "$T/cut.pb.gz" -o "$T/x.svg"
usage_case "on a truncated profile (folded)" "$T/cut.pb.gz" --folded "$T/x.svg"
echo "ok"
