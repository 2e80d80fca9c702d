#!/bin/sh
# run.sh: leakscope's test runner.  Runs every tests/*/test_*.sh script and
# every built unit test (build/tests/unit/*), each in its own process with a
# timeout; a test passes with exit 0, is skipped with exit 77, fails
# otherwise.  An optional argument keeps only tests whose name contains it.
# Prints "ok NAME" / "FAIL NAME" lines, then "N passed, N failed, N skipped".
# Set LEAKSCOPE_TEST_TIMEOUT (seconds, default 600) to change the timeout.
cd "$(dirname "$0")/.." || exit 2
jobs=1
[ "${1:-}" = "-j" ] && { jobs="$2"; shift 2; }
filter="${1:-}"
timeout_s="${LEAKSCOPE_TEST_TIMEOUT:-600}"
export LEAKSCOPE_ROOT="$PWD"
export LEAKSCOPE="$PWD/build/leakscope"
export LEAKSCOPE_AGENT="$PWD/build/libleakscope.so"
export PROGS="$PWD/build/tests/progs"
logdir="$PWD/build/test-logs"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0 failures=""

run_one() {  # name, command...
  name="$1"; shift
  case "$name" in *"$filter"*) ;; *) return ;; esac
  log="$logdir/$(echo "$name" | tr '/' '_').log"
  timeout -k 10 "$timeout_s" "$@" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "ok   $name"
  elif [ $rc -eq 77 ]; then skipped=$((skipped + 1)); echo "skip $name ($(tail -n 1 "$log"))"
  else
    failed=$((failed + 1)); failures="$failures $name"
    echo "FAIL $name (exit $rc; log $log)"; tail -n 15 "$log" | sed 's/^/     | /'
  fi
}

for t in build/tests/unit/*; do
  [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in tests/*/test_*.sh; do
  [ -f "$t" ] && run_one "${t#tests/}" sh "$t"
done
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
