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
skip() { echo "$*"; exit 77; }
