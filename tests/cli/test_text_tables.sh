#!/bin/sh
# Full-mode text as memcheck users read it, and the site tables of report
# and diff: a HEAP SUMMARY with the peak live heap before the records;
# no frames below main unless --show-below-main; site tables start at the
# user's code (operator new, the C++ library's frames and strdup folded)
# while records and the JSON keep whole stacks; --depth N; thousands
# separators; two allocations in one function stay two rows in diff, and
# a site whose line numbers moved between builds is still one; a warning
# when diff's inputs come from different programs.
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || fail "cd $T"
CXX=$PROGS/leak_cxx

"$LEAKSCOPE" run -- "$CXX" >out 2>err || fail "run leak_cxx: $(cat err)"
grep -q "^==[0-9]*== HEAP SUMMARY:$" err || fail "no HEAP SUMMARY: $(cat err)"
grep -Eq "^==[0-9]+==     in use at exit: [0-9,]+ bytes in [0-9,]+ blocks$" err || fail "no in use at exit"
grep -Eq "^==[0-9]+==   total heap usage: [0-9,]+ allocs, [0-9,]+ frees, [0-9,]+ bytes allocated$" err || fail "no totals"
grep -Eq "^==[0-9]+==     peak live heap: [0-9,]+ bytes$" err || fail "no peak live heap: $(cat err)"
[ "$(grep -n 'HEAP SUMMARY' err | cut -d: -f1)" -lt "$(grep -n 'LEAK SUMMARY' err | cut -d: -f1)" ] ||
  fail "HEAP SUMMARY after LEAK SUMMARY"
grep -q "by 0x[0-9A-F]*: main (leak_cxx.cc" err || fail "the records lack main: $(cat err)"
grep -Eq "__libc_start|_start " err && fail "frames below main shown by default: $(cat err)"
grep -q "at 0x[0-9A-F]*: operator new" err || fail "the records lost operator new (whole stacks): $(cat err)"
# the XML's stacks end at main too, as memcheck's do
"$LEAKSCOPE" run --quiet --xml x.xml -- "$CXX" >/dev/null || fail "run --xml"
grep -q "<fn>main</fn>" x.xml || fail "the XML lacks main"
grep -q "__libc_start" x.xml && fail "the XML shows frames below main"
"$LEAKSCOPE" run --quiet --show-below-main --xml xb.xml -- "$CXX" >/dev/null || fail "run --show-below-main --xml"
grep -q "<fn>__libc_start_call_main</fn>" xb.xml || fail "--show-below-main: the XML lacks the frames below main"
"$LEAKSCOPE" report "$LEAKSCOPE_ROOT/tests/golden/inputs/vg.xml" >vg.txt || fail "report vg.xml"
grep -q "HEAP SUMMARY" vg.txt && fail "a HEAP SUMMARY of totals Valgrind XML does not have: $(cat vg.txt)"
"$LEAKSCOPE" run --show-below-main -- "$CXX" >out 2>err2 || fail "run --show-below-main"
grep -q "__libc_start_call_main" err2 || fail "--show-below-main shows no frame below main: $(cat err2)"

"$LEAKSCOPE" run --quiet --report r.json -- "$CXX" >/dev/null || fail "run --report"
"$LEAKSCOPE" report r.json >rep || fail "report r.json"
sed -n '/^Top /,$p' rep >sites
grep -q "^==[0-9]*==     peak live heap" rep || fail "report: no peak from the JSON report"
grep -Eq "operator new|std::|__gnu_cxx" sites && fail "allocator frames in the site table: $(cat sites)"
grep -q "  keep() leak_cxx.cc:73 < run() leak_cxx.cc:79 < main leak_cxx.cc:84$" sites ||
  fail "the vector's site is not keep() (leak_cxx.cc:73): $(cat sites)"
grep -Eq "__libc_start|_start$" sites && fail "frames below main in the site table: $(cat sites)"
grep -q "Top [0-9]* of [0-9]* allocation sites by inuse_space (total [0-9],[0-9][0-9][0-9] bytes" sites ||
  fail "no thousands separator in the total: $(head -1 sites)"
grep -Eq "^ +4,000 " sites || fail "no thousands separator in the rows: $(cat sites)"
$PY - r.json <<'PYEOF' || fail "the JSON report lost the allocator's frames"
import json, sys
d = json.load(open(sys.argv[1]))
fns = [f.get("function", "") for s in d["sites"] for f in s["stack"]]
assert any(f.startswith("operator new") for f in fns), fns
assert any("__libc_start" in f for f in fns), fns
PYEOF
"$LEAKSCOPE" report --depth 1 r.json | sed -n "/^Top /,\$p" | grep -q " < [a-z]" && fail "--depth 1 shows more than one frame"
"$LEAKSCOPE" report --depth 0 --show-below-main r.json | grep -q "main leak_cxx.cc:84 < __libc_start_call_main" ||
  fail "--depth 0 --show-below-main does not show the whole stack"

# diff: sites by line, moved lines matched, units, and different programs
mk() { # FILE PROGRAM "function file line bytes"...
  $PY - "$@" <<'PYEOF'
import json, sys
out, prog = sys.argv[1], sys.argv[2]
sites = []
for line in sys.argv[3:]:
    fn, f, ln, b = line.split()
    sites.append({"inuse_bytes": int(b), "inuse_blocks": 1, "alloc_bytes": int(b), "alloc_blocks": 1,
                  "stack": [{"address": "0x1000", "function": fn, "file": "/src/" + f, "line": int(ln)},
                            {"address": "0x2000", "function": "main", "file": "/src/m.c", "line": 5}]})
json.dump({"schema": "leakscope-report/1", "command": [prog], "mode": "full", "leak_check": False,
           "sites": sites}, open(out, "w"))
PYEOF
}
mk base.json ./server "parse p.c 10 1000" "parse p.c 20 1000" "cache c.c 7 5000"
mk new.json ./server "parse p.c 10 1000" "parse p.c 20 3000000" "cache c.c 9 5000"
"$LEAKSCOPE" diff base.json new.json >d 2>derr || fail "diff: $(cat derr)"
[ -s derr ] && fail "diff warned about inputs of one program: $(cat derr)"
grep -q "^ *+2,999,000 *+2.9 MiB .*parse (p.c:20) < main (m.c:5)$" d || fail "the second malloc in parse is not its own row: $(cat d)"
grep -q "cache" d && fail "cache moved from line 7 to 9 and did not change, yet is listed: $(cat d)"
grep -q "^total bytes: base 7,000, new 3,006,000, growth +2,999,000" d || fail "diff's totals: $(cat d)"
mk other.json ./client "parse p.c 10 1000"
"$LEAKSCOPE" diff base.json other.json >d 2>derr || fail "diff of two programs: $(cat derr)"
grep -q "^leakscope: warning: diff: base.json comes from server and other.json from client" derr ||
  fail "no warning for inputs of two programs: $(cat derr)"
"$LEAKSCOPE" diff --depth 1 base.json new.json | grep -q " < " && fail "diff --depth 1 shows more than one frame"
exit 0
