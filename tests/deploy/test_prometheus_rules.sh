#!/bin/sh
# test_prometheus_rules.sh: deploy/prometheus/leakscope-rules.yml is valid
# (promtool check rules) and its alerts fire as leakscope-rules.test.yml
# says (promtool test rules: a leak suspect, a growing heap against a
# sawtooth, a budget approached, passed and on course to be passed, a target
# that stops answering).  The metric names the rules use are checked
# against a live /metrics page in tests/watch/test_watch_http.sh.
. "$(dirname "$0")/../harness/common.sh"
command -v promtool >/dev/null 2>&1 || fail "promtool missing (Debian package prometheus: make deps)"
D="$LEAKSCOPE_ROOT/deploy/prometheus"
promtool check rules "$D/leakscope-rules.yml" >"$T/check.out" 2>&1 || fail "promtool check rules: $(cat "$T/check.out")"
(cd "$D" && promtool test rules leakscope-rules.test.yml) >"$T/test.out" 2>&1 ||
  fail "promtool test rules: $(cat "$T/test.out")"
grep -q SUCCESS "$T/test.out" || fail "promtool test rules: $(cat "$T/test.out")"
exit 0
