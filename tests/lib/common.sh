# common.sh: helpers for shell tests; source it first.  Provides fail, skip,
# a scratch directory $T (removed on exit), and $LEAKSCOPE / $PROGS paths.
set -u
: "${LEAKSCOPE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${LEAKSCOPE:=$LEAKSCOPE_ROOT/build/leakscope}"
: "${LEAKSCOPE_AGENT:=$LEAKSCOPE_ROOT/build/libleakscope.so}"
: "${PROGS:=$LEAKSCOPE_ROOT/build/tests/progs}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/leakscope-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
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
