#!/bin/sh
# run.sh: build leakscope's libFuzzer targets (clang, ASan + UBSan) and run
# each for SECONDS seconds (default 600) on a copy of its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     TARGET: vgxml gate_config report_read pprof raw
#
# Environment: FUZZ_BUILD (default build/fuzz), CLANG (default clang),
# FUZZ_NICE (default "nice -n 19"), FUZZ_EXTRA_SRC (more C files to link).
# Prints the executions and duration of each run; exits 1 if a target
# crashed (the input is left as $FUZZ_BUILD/crash-TARGET-*).
set -u
cd "$(dirname "$0")/../.." || exit 2
secs="${1:-600}"
[ $# -gt 0 ] && shift
targets="${*:-vgxml gate_config report_read pprof raw}"
out="${FUZZ_BUILD:-build/fuzz}"
cc="${CLANG:-clang}"
nice_cmd="${FUZZ_NICE:-nice -n 19}"
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -Icli -Iinclude -fno-omit-frame-pointer"
san="address,undefined"
mkdir -p "$out/obj" || exit 2

# The core (every file of cli/*/, the layers below the commands), compiled
# once into an instrumented copy of build/libleakscope-core.a; each target
# links it, so a new core file needs no change here.  Objects are named
# after their path (cli/render/retain.c -> render_retain.o): two folders may
# hold files of the same name.
core_lib() {  # prints the archive
  lib="$out/libleakscope-core-fuzz.a"
  objs=""
  for src in $(find cli -mindepth 2 -name '*.c' | sort); do
    rel=${src#cli/}
    obj="$out/obj/$(echo "${rel%.c}" | tr / _).o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find cli -name '*.h' -newer "$obj")" ]; then
      $cc $flags -fsanitize=fuzzer-no-link,$san -c "$src" -o "$obj" >&2 || return 1
    fi
    objs="$objs $obj"
  done
  rm -f "$lib"
  ar rcs "$lib" $objs >&2 || return 1
  echo "$lib"
}
libs="-ldw -lelf -lz -lexpat -lyaml -ljansson -lmicrohttpd -lstdc++ -lm -lpthread"

status=0
core=$(core_lib) || exit 2
for t in $targets; do
  bin="$out/fuzz_$t"
  $cc $flags -fsanitize=fuzzer,$san "tests/fuzz/fuzz_$t.c" ${FUZZ_EXTRA_SRC:-} "$core" $libs -o "$bin" || exit 2
  work="$out/corpus_$t"
  mkdir -p "$work"
  log="$out/fuzz_$t.log"
  start=$(date +%s)
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    $nice_cmd "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$out/crash-$t-" "$work" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "fuzz_$t: ok, ${execs:-?} executions in $((end - start)) s (log $log)"
  else
    status=1
    echo "fuzz_$t: FAILED (exit $rc) after $((end - start)) s; see $log"
    grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$log"
  fi
done
exit $status
