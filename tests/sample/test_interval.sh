# test_interval.sh: profiles while the program runs.  `run --interval`
# writes numbered profiles plus the final one; the agent alone (LD_PRELOAD
# and LEAKSCOPE_OPTIONS, no supervisor) writes periodic raw snapshots that
# `leakscope report` turns into the same profiles later; `--snapshot-signal`
# gives one on a signal.
. "$(dirname "$0")/../harness/common.sh"
CHECK="$LEAKSCOPE_ROOT/tests/pprof/pprof_check.py"
SIM="$PROGS/http_server_sim"

# (sample mode at 16K: at the default 512K a heap of 1-4 MB is a handful of
# samples, whose estimate moves by more than the heap grows in 3 s)
for mode in "" "--sample=16K"; do
  rm -f "$T"/p*.pb.gz
  "$LEAKSCOPE" run $mode --interval 0.4 --profile "$T/p.pb.gz" -- "$SIM" 3 >/dev/null 2>&1 \
    || fail "run $mode --interval failed"
  [ -f "$T/p.pb.gz" ] || fail "no final profile ($mode)"
  n=$(ls "$T"/p.[0-9]*.pb.gz 2>/dev/null | wc -l)
  [ "$n" -ge 3 ] || fail "want at least 3 periodic profiles in 3 s at 0.4 s ($mode), got $n"
  for f in "$T"/p*.pb.gz; do
    $PY "$CHECK" "$f" >/dev/null || fail "invalid periodic profile $f ($mode)"
  done
  # the heap grows (a session leaks every 64 requests): the last periodic
  # profile but one holds more than the first (the last one may be taken
  # at 3 s, while the program frees its sessions to end)
  first=$(ls "$T"/p.[0-9]*.pb.gz | sort_numbered | head -1)
  last=$(ls "$T"/p.[0-9]*.pb.gz | sort_numbered | tail -2 | head -1)
  a=$("$LEAKSCOPE" report --sample-type inuse_space "$first" | sed -n 's/.*(total \([0-9,]*\) bytes.*/\1/p' | tr -d ,)
  b=$("$LEAKSCOPE" report --sample-type inuse_space "$last" | sed -n 's/.*(total \([0-9,]*\) bytes.*/\1/p' | tr -d ,)
  [ -n "$a" ] && [ -n "$b" ] || fail "report printed no total line"
  [ "$b" -gt "$a" ] || fail "the live heap did not grow between periodic profiles ($a -> $b)"
done

# the agent alone
LEAKSCOPE_OPTIONS="out=$T/raw.%p,interval=0.4,sample=512K" LD_PRELOAD="$LEAKSCOPE_AGENT" "$SIM" 2 >/dev/null \
  || fail "agent alone failed"
n=$(ls "$T"/raw.*.interval 2>/dev/null | wc -l)
[ "$n" -ge 3 ] || fail "the agent alone wrote $n periodic snapshots, want at least 3"
for f in "$T"/raw.*.interval; do
  "$LEAKSCOPE" report "$f" --profile "$T/from-raw.pb.gz" >/dev/null || fail "report of $f"
  $PY "$CHECK" "$T/from-raw.pb.gz" >/dev/null || fail "profile from $f is invalid"
done
ls "$T"/raw.[0-9]* | grep -qv interval || fail "no exit snapshot from the agent alone"

# a snapshot on a signal the user chooses, even from an idle program
rm -f "$T"/s*.pb.gz
"$LEAKSCOPE" run --snapshot-signal USR2 --profile "$T/s.pb.gz" -- \
  sh -c 'sleep 0.3; kill -USR2 $$; sleep 0.6' >/dev/null 2>&1 || fail "run --snapshot-signal"
[ -f "$T/s.1.pb.gz" ] || fail "no profile after the snapshot signal"
$PY "$CHECK" "$T/s.1.pb.gz" >/dev/null || fail "the signalled profile is invalid"
exit 0
