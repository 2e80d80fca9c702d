# common.sh: helpers for shell tests; source it first.  Provides fail, skip,
# expect_usage_error, a scratch directory $T (removed on exit), and the
# $LEAKSCOPE, $LEAKSCOPE_AGENT and $PROGS paths (tests/run.sh sets them; a
# test run by hand finds them under build/).
#
# LEAKSCOPE_TEST_PREFIX (tests/run.sh): when set, $LEAKSCOPE is a small
# script in $T/.prefix that runs the command under that prefix, so every
# "$LEAKSCOPE" ... of a test runs as e.g. `valgrind -q leakscope ...`.  Only
# the command is wrapped: the programs it runs (`leakscope run -- PROG`) and
# the programs a test preloads the agent into run as they are.
set -u
: "${LEAKSCOPE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${LEAKSCOPE:=$LEAKSCOPE_ROOT/build/leakscope}"
: "${LEAKSCOPE_AGENT:=$LEAKSCOPE_ROOT/build/libleakscope.so}"
: "${PROGS:=$LEAKSCOPE_ROOT/build/tests/progs}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/leakscope-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM  # the EXIT trap then runs too
if [ -n "${LEAKSCOPE_TEST_PREFIX:-}" ]; then
  mkdir "$T/.prefix"
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$LEAKSCOPE_TEST_PREFIX" "$LEAKSCOPE" >"$T/.prefix/leakscope"
  chmod +x "$T/.prefix/leakscope"
  LEAKSCOPE="$T/.prefix/leakscope"
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
# Bad input: the command exits 2 with one "leakscope: " line on stderr
# (its stdout is left in $T/out, its stderr in $T/err).
expect_usage_error() {  # description, command...
  what="$1"; shift
  "$@" >"$T/out" 2>"$T/err"
  rc=$?
  [ $rc -eq 2 ] || fail "$what: exit $rc, want 2 (stderr: $(cat "$T/err"))"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$what: want one line on stderr, got: $(cat "$T/err")"
  grep -q "^leakscope: " "$T/err" || fail "$what: message lacks the prefix: $(cat "$T/err")"
}
skip() { echo "$*"; exit 77; }
# Paths of numbered files DIR/NAME.N.EXT1.EXT2 (periodic profiles
# p.3.pb.gz) on stdin, sorted by N.  (sort -t. -k2 -n would read the
# field after the first dot of the whole path: $T has one.)
sort_numbered() { awk -F. '{ print $(NF - 2) "\t" $0 }' | sort -n | cut -f 2-; }
