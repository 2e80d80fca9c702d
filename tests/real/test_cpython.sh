#!/bin/sh
# test_cpython.sh: the fast subset of tests/real/cpython.py: CPython's own
# test modules test_struct, test_select and test_posix (whose posix_spawn
# tests see the program's descriptors) plainly, in full mode, in full mode
# with --trace-children and in sample mode; every test's status and each
# run's exit status are the plain run's, or listed in cpython-known.txt.
# The whole set (45 modules) is `tests/real/cpython.py` (docs/LIMITS.md).
. "$(dirname "$0")/../harness/common.sh"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
$PY "$(dirname "$0")/cpython.py" --fast --keep "$T/work" >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -ne 77 ] || skip "$(tail -n 1 "$T/log")"
[ $rc -eq 0 ] || fail "CPython's tests: $(tail -n 1 "$T/log")"
