#!/bin/bash
# run.sh: leakscope's test runner (tests/README.md).
#
#   bash tests/run.sh [-j N] [-i] [FILTER...]     (make test [J=N] [T="FILTER..."])
#
# The list, in this order: one unit test per source file tests/unit/NAME.c
# (named unit/NAME, its program build/tests/unit/NAME from make test-build;
# a program whose source is gone is not run), then every shell test
# tests/DIR/test_*.sh (named DIR/test_*.sh).  With FILTERs, only the tests
# whose name contains one of them run.  Each test runs in its own process,
# under a timeout, with its output in build/test-logs/NAME.log; exit 0
# passes, 77 skips (its last line says why), anything else fails and the
# last 15 lines of its log are shown.  The results come in the order of the
# list, whatever order the tests end in; the last line is "N passed, N
# failed, N skipped", and the exit status is 1 when a test failed (2 on bad
# usage or when nothing matches).
#
#   -j N   run N tests at a time (default: the number of cores, nproc).  The
#          tests in $serial below still run alone.
#   -i     interactive: one test at a time, in the foreground, with the
#          terminal as its input and output instead of a log (for
#          LEAKSCOPE_TEST_PREFIX="gdb --args"); results are counted as usual.
#
# Environment:
#   LEAKSCOPE_TEST_TIMEOUT  seconds a test may take (default 600)
#   LEAKSCOPE_BUILD         the build tree, relative to the top (default build;
#                           make sanitize runs build/sanitize's)
#   LEAKSCOPE_TEST_PREFIX   a command put in front of every unit test program
#                           and of every leakscope command the shell tests run
#                           (tests/harness/common.sh), not of the programs run
#                           under leakscope; shell words, quotes allowed:
#                           "valgrind -q --error-exitcode=9", "gdb -q -batch
#                           -return-child-result -ex run -ex 'thread apply all
#                           bt' --args", with -i "gdb --args"
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 2

# Tests that run alone: nothing else runs while one of them does.  Each is
# timing-sensitive in a way another test's load can break:
#   (none so far)
serial=""

usage() { echo "usage: bash tests/run.sh [-j N] [-i] [FILTER...]" >&2; exit 2; }
jobs=$(nproc 2>/dev/null || echo 1)
interactive=0
while [ $# -gt 0 ]; do
  case "$1" in
    -j) [ $# -ge 2 ] || usage; jobs="$2"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    -i) interactive=1; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option '$1'" >&2; usage ;;
    *) break ;;
  esac
done
filters=("$@")
case "$jobs" in ''|*[!0-9]*|0) echo "run.sh: -j wants a number of tests >= 1, not '$jobs'" >&2; exit 2 ;; esac
[ $interactive = 1 ] && jobs=1
timeout_s="${LEAKSCOPE_TEST_TIMEOUT:-600}"
prefix="${LEAKSCOPE_TEST_PREFIX:-}"

export LEAKSCOPE_ROOT="$PWD"
build="${LEAKSCOPE_BUILD:-build}"  # make sanitize points it to its own tree
export LEAKSCOPE="$PWD/$build/leakscope"
export LEAKSCOPE_AGENT="$PWD/$build/libleakscope.so"
export PROGS="$PWD/$build/tests/progs"
export LEAKSCOPE_TEST_PREFIX="$prefix"
logdir="$PWD/$build/test-logs"
mkdir -p "$logdir" || exit 2

# The list: names[i], and how to run it: kinds[i] (unit|sh), paths[i].
names=() kinds=() paths=()
add() {  # name kind path
  local f keep=${#filters[@]}
  for f in "${filters[@]}"; do case "$1" in *"$f"*) keep=0 ;; esac; done
  [ "$keep" = 0 ] || return
  names+=("$1") kinds+=("$2") paths+=("$3")
}
for src in tests/unit/*.c; do
  [ -f "$src" ] || continue
  base=$(basename "$src" .c)
  add "unit/$base" unit "$PWD/$build/tests/unit/$base"
done
for t in tests/*/test_*.sh; do
  [ -f "$t" ] && add "${t#tests/}" sh "$t"
done
n=${#names[@]}

# One test: its command under the timeout, exec'd (so that the caller's $!
# is the timeout's pid; call it in a subshell).  timeout runs the test in a
# process group of its own and kills the whole group when time is up.
run_test() {  # index
  local i=$1 fg=""
  [ $interactive = 1 ] && fg=--foreground
  if [ "${kinds[$i]}" = unit ]; then
    [ -x "${paths[$i]}" ] || { echo "${paths[$i]} is not built (make test-build)"; exit 1; }
    # the prefix is shell words, quotes included (as in common.sh's wrapper)
    eval "exec timeout $fg -k 10 \"\$timeout_s\" $prefix \"\${paths[$i]}\""
  else
    exec timeout $fg -k 10 "$timeout_s" sh "${paths[$i]}"
  fi
}

# Start test i in the background; when it ends it leaves "STATUS
# MICROSECONDS" in its .rc file (written whole: .rc.tmp, then renamed).  A
# TERM to the background subshell stops the test (the runner's INT trap).
logs=() rcs=()
start() {  # index
  local i=$1 file
  file=$(echo "${names[$i]}" | tr '/' '_')
  logs[$i]="$logdir/$file.log"
  rcs[$i]="$logdir/$file.rc"
  rm -f "${rcs[$i]}"
  if [ $interactive = 1 ]; then
    rm -f "${logs[$i]}"
    local t0=${EPOCHREALTIME/./} rc
    (run_test "$i"); rc=$?
    echo "$rc $(( ${EPOCHREALTIME/./} - t0 ))" >"${rcs[$i]}"
    return
  fi
  (
    t0=${EPOCHREALTIME/./}
    run_test "$i" >"${logs[$i]}" 2>&1 </dev/null &
    tp=$!
    trap 'kill -TERM $tp 2>/dev/null' TERM
    wait $tp; rc=$?
    while [ $rc -gt 128 ] && kill -0 $tp 2>/dev/null; do wait $tp; rc=$?; done
    echo "$rc $(( ${EPOCHREALTIME/./} - t0 ))" >"${rcs[$i]}.tmp" && mv "${rcs[$i]}.tmp" "${rcs[$i]}"
  ) &
}

passed=0 failed=0 skipped=0 failures=""
report() {  # index: print its result line(s) and count it
  local i=$1 rc us secs name=${names[$1]} log=${logs[$1]}
  read -r rc us <"${rcs[$i]}" || rc=1 us=0
  secs=$(printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); printf 'ok   %s (%s s)\n' "$name" "$secs"
  elif [ "$rc" -eq 77 ]; then
    skipped=$((skipped + 1)); printf 'skip %s (%s)\n' "$name" "$(tail -n 1 "$log" 2>/dev/null)"
  else
    failed=$((failed + 1)); failures="$failures $name"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      printf 'FAIL %s (timed out after %s s; log %s)\n' "$name" "$timeout_s" "$log"
    else
      printf 'FAIL %s (exit %s after %s s; log %s)\n' "$name" "$rc" "$secs" "$log"
    fi
    [ -f "$log" ] && tail -n 15 "$log" | sed 's/^/     | /'
  fi
}
is_serial() { case " $serial " in *" ${names[$1]} "*) return 0 ;; esac; return 1; }

# Start tests in list order, at most $jobs at a time, a serial one only when
# nothing else runs (and nothing else while it runs); print the results in
# list order as soon as every earlier test has ended.  A test has ended when
# its .rc file exists (polled: cheaper to get right than wait -n's races).
next=0 shown=0 running=() ended=() alone=0
trap 'trap - INT TERM; kill -TERM $(jobs -p) 2>/dev/null; wait; echo "run.sh: interrupted" >&2; exit 130' INT TERM
while [ $shown -lt $n ]; do
  while [ $next -lt $n ] && [ ${#running[@]} -lt "$jobs" ] && [ $alone = 0 ]; do
    if is_serial $next; then
      [ ${#running[@]} -eq 0 ] || break
      alone=1
    fi
    start $next
    running+=($next)
    next=$((next + 1))
  done
  still=()
  for i in "${running[@]}"; do
    if [ -f "${rcs[$i]}" ]; then
      ended[$i]=1
      is_serial "$i" && alone=0
    else
      still+=("$i")
    fi
  done
  progress=$(( ${#running[@]} - ${#still[@]} ))
  running=("${still[@]}")
  while [ $shown -lt $next ] && [ -n "${ended[$shown]:-}" ]; do
    report $shown
    shown=$((shown + 1))
  done
  [ $progress -gt 0 ] || sleep 0.2
done
wait

[ $n -gt 0 ] || echo "run.sh: no test name contains any of: ${filters[*]}" >&2
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ $n -gt 0 ] || exit 2
[ $failed -eq 0 ]
