#!/bin/sh
# test_lifetimes_full.sh: per-site lifetimes in full mode, exact, and what
# `run --report` writes in both modes.  In lifetimes.c temp_buffer
# allocates and frees 4,000 blocks, each before the thread's next
# allocation (all temporaries, heaptrack's definition), and session_new
# 64 blocks that live 1.5 s (none temporary: the next session follows).
# `report --lifetimes` on the agent's raw snapshot, on `run --report`'s
# JSON (which must carry them) and on `run --sample --report`'s JSON.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/lifetimes"

# check_exact FILE: the --lifetimes table of a full-mode input
check_exact() {
  "$LEAKSCOPE" report --lifetimes "$1" >"$T/report" || fail "report --lifetimes $1 failed"
  $PY - "$T/report" <<'PYEOF' || fail "full-mode lifetimes of $1: $(cat "$T/report")"
import re, sys
rows, section = {}, None
unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
for line in open(sys.argv[1]):
    if line.startswith("Lifetimes, top"):
        section = "stats"
        assert "(exact)" in line, line
        continue
    if section == "stats" and not line.strip():
        section = None
    m = re.match(r"^ +([\d,]+) +([\d,]+) +([\d,]+) \(\d+%\) +([\d.]+ [nums]+) +([\d.]+ [nums]+) +([\d.]+ [nums]+)  (\S+)", line)
    if section == "stats" and m:
        secs = [float(v.split()[0]) * unit[v.split()[1]] for v in m.group(4, 5, 6)]
        rows[m.group(7)] = [int(m.group(i).replace(",", "")) for i in (1, 2, 3)] + secs
print(rows)
temp, session = rows["temp_buffer"], rows["session_new"]
assert temp[:3] == [4000, 4000, 4000], "temp_buffer: 4000 allocations, freed, temporaries: %s" % temp
assert session[:3] == [64, 64, 0], "session_new: 64 allocations, freed, no temporaries: %s" % session
assert temp[5] < 1.0, "temp_buffer's blocks live microseconds: %s" % temp
assert 1.45 <= session[3] <= session[4] <= session[5] < 30, "sessions live 1.5 s: %s" % session
PYEOF
  grep -q "^Temporary allocations (freed before their thread's next allocation): " "$T/report" ||
    fail "no line of temporaries: $(cat "$T/report")"
}

LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="mode=full,out=$T/full.%p" "$P" >/dev/null ||
  fail "lifetimes failed under the agent"
check_exact "$(ls "$T"/full.* | head -n 1)"

"$LEAKSCOPE" run --quiet --report "$T/r.json" -- "$P" >/dev/null || fail "run --report failed"
$PY - "$T/r.json" <<'PYEOF' || fail "the report lacks the lifetimes"
import json, sys
d = json.load(open(sys.argv[1]))
site = [s for s in d["sites"] if s["stack"][0]["function"] == "temp_buffer"][0]
lt = site["lifetimes"]
assert sum(lt["freed_by_decade"]) == 4000 and lt["temporaries"] == 4000, lt
assert lt["median_ns"] <= lt["p90_ns"] <= lt["max_ns"], lt
assert d["totals"]["peak_bytes"] >= 64 << 20, d["totals"]
PYEOF
check_exact "$T/r.json"

# sample mode: run --sample --report carries the sampled histograms
"$LEAKSCOPE" run --quiet --sample=64K --report "$T/s.json" -- "$P" >/dev/null || fail "run --sample --report failed"
"$LEAKSCOPE" report --lifetimes "$T/s.json" >"$T/sreport" || fail "report --lifetimes of run --sample's report"
grep -q "^Lifetimes, top .* (estimates from the samples" "$T/sreport" || fail "sampled lifetimes: $(cat "$T/sreport")"
grep -q "^Temporary allocations (freed within 1 ms): " "$T/sreport" || fail "no sampled temporaries: $(cat "$T/sreport")"
grep session_new "$T/sreport" | head -n 1 | grep -Eq "^ +[0-9,]+ +[0-9,]+ +- +<10 s +<10 s +<10 s " ||
  fail "session_new's median, p90 and max are in the 1-10 s decade: $(cat "$T/sreport")"
exit 0
