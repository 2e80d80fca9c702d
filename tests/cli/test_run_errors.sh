# test_run_errors.sh: bad input to `leakscope run` and `report`: one clear line on
# stderr, exit status 2, the program not started, nothing half-written.
. "$(dirname "$0")/../harness/common.sh"

marker="$T/started"
expect_usage_error "missing program" "$LEAKSCOPE" run -- /nonexistent/prog
expect_usage_error "program not in PATH" "$LEAKSCOPE" run -- no-such-program-leakscope
expect_usage_error "unknown option" "$LEAKSCOPE" run --frobnicate -- /bin/true
expect_usage_error "no program" "$LEAKSCOPE" run --report "$T/r.json"
expect_usage_error "bad number" "$LEAKSCOPE" run --error-exitcode x -- /bin/true
expect_usage_error "bad --capture-growth percent" "$LEAKSCOPE" run --capture-growth 0 -- /bin/true
expect_usage_error "bad --capture-growth window" "$LEAKSCOPE" run --capture-growth 30,0.5 -- /bin/true
expect_usage_error "bad sample" "$LEAKSCOPE" run --sample=lots -- /bin/true
expect_usage_error "zero sample" "$LEAKSCOPE" run --sample=0 -- /bin/true
expect_usage_error "sample beyond 64 bits" "$LEAKSCOPE" run --sample=99999999999T -- /bin/true
expect_usage_error "budget beyond 64 bits" "$LEAKSCOPE" run --budget 99999999999999G -- /bin/true
expect_usage_error "bad budget suffix" "$LEAKSCOPE" run --budget 1Mx -- /bin/true
expect_usage_error "unwritable report" "$LEAKSCOPE" run --report /nonexistent-dir/r.json -- sh -c "touch $marker"
[ -e "$marker" ] && fail "the program was started although the report could not be written"
printf '{\n   bad\n   Memcheck:Leak\n   fun:malloc\n' >"$T/bad.supp"
expect_usage_error "unterminated suppression" "$LEAKSCOPE" run --suppressions "$T/bad.supp" -- sh -c "touch $marker"
[ -e "$marker" ] && fail "the program was started although the suppressions were corrupt"
printf 'foo:bar\n' >"$T/bad2.supp"
expect_usage_error "unknown suppression type" "$LEAKSCOPE" run --suppressions "$T/bad2.supp" -- /bin/true
expect_usage_error "missing suppression file" "$LEAKSCOPE" run --suppressions "$T/none.supp" -- /bin/true
expect_usage_error "unknown command" "$LEAKSCOPE" frobnicate
printf 'leakscope-raw 1\npid 1\nstack 1 abc\n' >"$T/trunc.raw"
expect_usage_error "truncated raw snapshot" "$LEAKSCOPE" report "$T/trunc.raw"
printf 'leakscope-raw 1\npid x\nend\n' >"$T/badnum.raw"
expect_usage_error "malformed raw snapshot" "$LEAKSCOPE" report "$T/badnum.raw"
ls "$T" | grep -q '\.tmp$' && fail "a temporary file was left behind"
exit 0
