# test_budget.sh: --budget SIZE[,warn|dump|abort] in both modes: passing the
# budget warns once (warn), writes a profile of the moment (dump), or writes
# it and aborts (abort); staying under it does nothing.
. "$(dirname "$0")/../harness/common.sh"
CHECK="$LEAKSCOPE_ROOT/tests/pprof/pprof_check.py"
P="$PROGS/budget_grow"

for mode in "" "--sample"; do
  cd "$T" && rm -f ./*.pb.gz
  "$LEAKSCOPE" run $mode --budget 100M --report "$T/r.json" -- "$P" >/dev/null 2>"$T/err" || fail "under budget: run failed ($mode)"
  grep -q "budget" "$T/err" && fail "a warning although the heap stayed under the budget ($mode)"

  "$LEAKSCOPE" run $mode --budget 10M,warn --report "$T/r.json" -- "$P" >"$T/out" 2>"$T/err" || fail "warn: run failed ($mode)"
  [ "$(grep -c "passed the budget" "$T/err")" -eq 1 ] || fail "warn: want one warning ($mode): $(cat "$T/err")"
  grep -q "grown 40 MiB" "$T/out" || fail "warn changed the program's output ($mode)"

  "$LEAKSCOPE" run $mode --budget 10M,dump --profile "$T/p.pb.gz" -- "$P" >/dev/null 2>"$T/err" || fail "dump: run failed ($mode)"
  [ -f "$T/p.1.pb.gz" ] || fail "dump: no budget profile ($mode): $(cat "$T/err")"
  $PY "$CHECK" "$T/p.1.pb.gz" | grep -q "grow_step" || fail "dump: the profile lacks grow_step ($mode)"

  "$LEAKSCOPE" run $mode --budget 10M,abort --output-dir "$T" -- "$P" >/dev/null 2>"$T/err"; rc=$?
  [ $rc -eq 134 ] || fail "abort: exit $rc, want 134 (SIGABRT) ($mode)"
  ls "$T"/leakscope-budget.*.pb.gz >/dev/null 2>&1 || fail "abort: no budget profile kept ($mode)"
  grep -q "profile written to $T/leakscope-budget\." "$T/err" || fail "abort: the profile is not announced: $(cat "$T/err")"
  # no --output-dir: the temporary directory, never the current one
  mkdir -p "$T/tmp" "$T/cwd"
  (cd "$T/cwd" && TMPDIR=$T/tmp "$LEAKSCOPE" run $mode --budget 10M,dump -- "$P" >/dev/null 2>"$T/err")
  [ -z "$(ls "$T/cwd")" ] || fail "dump wrote to the current directory: $(ls "$T/cwd")"
  ls "$T"/tmp/leakscope-budget.*.pb.gz >/dev/null 2>&1 || fail "dump: no budget profile in TMPDIR ($mode): $(cat "$T/err")"
  rm -f "$T"/tmp/leakscope-budget.*
done
exit 0
