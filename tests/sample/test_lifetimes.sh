# test_lifetimes.sh: sample mode's lifetime histograms.  In lifetimes.c,
# temp_buffer's blocks are freed at once and session_new's live 1.5 s:
# `report --lifetimes` must put at least 90% of temp_buffer's freed objects
# under 1 ms and 90% of session_new's between 1 s and 10 s, from the agent
# alone and through run; a snapshot without lifetimes is refused.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/lifetimes"

LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="mode=sample,out=$T/raw.%p" "$P" >/dev/null ||
  fail "lifetimes failed under the agent"
raw=$(ls "$T"/raw.* | head -n 1)
"$LEAKSCOPE" report --lifetimes "$raw" >"$T/report" || fail "report --lifetimes failed"
$PY - "$T/report" <<'PYEOF' || fail "lifetimes off: $(cat "$T/report")"
import sys
heads = None
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if parts[:2] == ["freed", "<1us"]:
        heads = parts[1:11]
        continue
    if heads and len(parts) > 11 and parts[0].isdigit():
        shares = [0.0 if p == "." else float(p.rstrip("%")) for p in parts[1:11]]
        rows[parts[11]] = (int(parts[0]), shares)
print(rows)
temp, session = rows.get("temp_buffer"), rows.get("session_new")
assert temp and session, "both sites wanted"
assert sum(temp[1][:4]) >= 90, "temp_buffer: %s" % (temp,)
assert session[1][7] >= 90, "session_new: %s" % (session,)  # 1.5 s: the 1-10 s decade
assert 40 <= session[0] <= 90, "about 64 sessions freed, estimated %d" % session[0]
PYEOF
grep -q "^Temporary allocations (freed within 1 ms): " "$T/report" || fail "no temporary-allocation line"

# a pprof profile has no lifetimes (they live in raw snapshots only)
"$LEAKSCOPE" run --profile "$T/p.pb.gz" -- "$P" >/dev/null 2>&1 || fail "run --profile failed"
expect_usage_error "lifetimes of a profile" "$LEAKSCOPE" report --lifetimes "$T/p.pb.gz"
exit 0
