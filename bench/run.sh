#!/bin/bash
# bench/run.sh: the benchmark matrix of leakscope against native runs and its rivals.
#
#   bench/run.sh [WORKLOAD...]      WORKLOAD: malloc_mt malloc_mt_large py_objects sqlite perl (default: all)
#
# Every row runs one workload natively (or under a baseline allocator) and under one tool,
# alternating A B / B A in a single run for many pairs (bench/ab.py), and reports the median
# per-pair time ratio with its spread, the CPU time ratio and the peak RSS ratio. Rows:
#   leakscope-full      build/leakscope run --            (full tracking, the default)
#   leakscope-full-report  build/leakscope run --report FILE --   (full mode as CI runs it)
#   leakscope-sample    build/leakscope run --sample --   (default 512K sampling)
#   lsan                gcc's standalone LeakSanitizer runtime (liblsan.so.0) by LD_PRELOAD,
#                       default options (frame-pointer unwinding on malloc)
#   lsan-dwarf          the same with fast_unwind_on_malloc=0 (full DWARF stacks)
#                       (the standalone runtime, gcc's or clang 14's, crashes by preload in
#                       programs that call signal(): sqlite3 and perl; see bench/RESULTS.md)
#   asan-leaks          clang 14's ASan runtime by LD_PRELOAD with detect_leaks=1, the
#                       preloadable way to get LeakSanitizer into any uninstrumented program
#   heaptrack           heaptrack -o FILE PROG
#   memcheck            valgrind --leak-check=full
#   tcmalloc            gperftools' tcmalloc (libtcmalloc.so.4) by LD_PRELOAD, vs glibc
#   gperftools-heapprof tcmalloc with HEAPPROFILE=FILE, vs glibc (it costs 50x or more, so
#                       the figure vs plain tcmalloc is this one divided by the tcmalloc row)
# lsan-dwarf and gperftools-heapprof are "very slow" rows (100x and more on malloc_mt): they
# get VSLOW_PAIRS pairs, and on malloc_mt they run at SCALE=$VSLOW_MT_SCALE (both sides),
# since one run at the default scale takes minutes; the row's name says so.
#   jemalloc            libjemalloc.so.2 by LD_PRELOAD, vs glibc
#   jemalloc-prof       MALLOC_CONF=prof:true,lg_prof_sample:19, vs glibc and vs plain jemalloc
#   leakscope-agent-full, leakscope-agent-sample
#                       the agent alone: LD_PRELOAD=$BUILD/libleakscope.so with
#                       LEAKSCOPE_OPTIONS (raw snapshot at exit, no supervisor, no symbolizing)
# The leakscope rows are skipped, with a note, when `leakscope run -- true` (or the agent
# on `true`) does not work yet.
#
# Workloads (each about 0.6-1.5 s natively here):
#   malloc_mt   $BUILD/bench/malloc_mt (bench/malloc_mt.c): two threads, ~20M malloc/free
#   malloc_mt_large  the same with 65,536 live blocks a thread (malloc_mt 10 65536)
#   py_objects  PYTHONMALLOC=malloc /usr/bin/python3 bench/py_objects.py
#   sqlite      sqlite3 :memory: ".read bench/sqlite_work.sql"
#   perl        perl bench/perl_hash.pl
#
# Environment:
#   PAIRS=11       pairs for the cheap rows; MID_PAIRS=5 for heaptrack and lsan-dwarf;
#   SLOW_PAIRS=3   for memcheck; VSLOW_PAIRS=2 and VSLOW_MT_SCALE=1 for the very slow rows
#                  (the slow rows make no unmeasured warm-up run of the tool)
#   TOOLS=REGEX    only the rows whose tool name matches (e.g. TOOLS=leakscope)
#   BUILD=build    build directory (malloc_mt and the agent are built there);
#   LEAKSCOPE=$BUILD/leakscope   AGENT=$BUILD/libleakscope.so
#   OUT=/tmp/leakscope-bench   log.txt and scratch files
#   JSONL=$OUT/results.jsonl   where rows are appended (one JSON object per row); a later row
#                  with the same name and baseline replaces an earlier one in the tables, so
#                  JSONL=bench/results.jsonl TOOLS=leakscope bench/run.sh adds leakscope's rows
#                  to the committed figures of the rivals
# At the end the tables are printed as Markdown (bench/table.py OUT/results.jsonl).
# Missing Debian packages are installed with apt-get when running as root.
set -u
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-11}
MID_PAIRS=${MID_PAIRS:-5}
SLOW_PAIRS=${SLOW_PAIRS:-3}
VSLOW_PAIRS=${VSLOW_PAIRS:-2}
VSLOW_MT_SCALE=${VSLOW_MT_SCALE:-1}
TOOLS=${TOOLS:-.}
BUILD=${BUILD:-build}
LEAKSCOPE=${LEAKSCOPE:-$BUILD/leakscope}
AGENT=${AGENT:-$BUILD/libleakscope.so}
OUT=${OUT:-/tmp/leakscope-bench}
SCR=$OUT/scratch
LIB=/usr/lib/x86_64-linux-gnu
TIMEOUT=1200
mkdir -p "$OUT" "$SCR"
LOG=$OUT/log.txt
JSONL=${JSONL:-$OUT/results.jsonl}

note() { echo "bench: $*" | tee -a "$LOG" >&2; }

# Debian packages the rows need: install the missing ones (root only, non-interactive).
run_install_missing() {
  local missing="" p
  for p in valgrind heaptrack libgoogle-perftools4 libjemalloc2 liblsan0 libclang-rt-14-dev time \
           sqlite3 perl python3; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    note "missing packages:$missing (not root: not installing; their rows will be skipped)"
    return 0
  fi
  note "installing:$missing"
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
    >>"$LOG" 2>&1 || note "apt-get install failed; rows needing$missing will be skipped"
}

# The command line of a workload, one word per line (the sqlite argument has a space);
# WORKLOAD[@SCALE] gives malloc_mt a scale other than its default.
run_workload_cmd() {
  case "$1" in
    malloc_mt) printf '%s\n' "$BUILD/bench/malloc_mt" ;;
    malloc_mt@*) printf '%s\n' "$BUILD/bench/malloc_mt" "${1#malloc_mt@}" ;;
    malloc_mt_large) printf '%s\n' "$BUILD/bench/malloc_mt" 10 65536 ;;
    py_objects) printf '%s\n' /usr/bin/python3 bench/py_objects.py ;;
    sqlite) printf '%s\n' /usr/bin/sqlite3 :memory: ".read bench/sqlite_work.sql" ;;
    perl) printf '%s\n' /usr/bin/perl bench/perl_hash.pl ;;
    *) return 1 ;;
  esac
}

# Record a row that did not run, so that the table says why.
run_skip() {
  note "$1 ($2): skipped: $3"
  /usr/bin/python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "base_label": sys.argv[2], "skipped": sys.argv[3]}))' \
    "$1" "$2" "$3" >>"$JSONL"
}

# run_row WORKLOAD TOOL BASE_LABEL PAIRS WARMUP CHECK AFTER -- BASE_PREFIX... --vs-- TOOL_PREFIX...
# The prefixes are put before the workload's command. CHECK=1 compares stdout.
run_row() {
  local w=$1 tool=$2 base_label=$3 pairs=$4 warm=$5 check=$6 after=$7
  shift 8
  local -a bpre=() tpre=() cmd=()
  while [ "$1" != "--vs--" ]; do bpre+=("$1"); shift; done
  shift
  tpre=("$@")
  echo "$tool" | grep -Eq -- "$TOOLS" || return 0
  mapfile -t cmd < <(run_workload_cmd "$w")
  local -a opts=(--pairs "$pairs" --warmup "$warm" --name "${w%@*}/$tool" --base-label "$base_label"
                 --timeout "$TIMEOUT" --jsonl "$JSONL")
  [ "$check" = 1 ] && opts+=(--check-stdout)
  [ -n "$after" ] && opts+=(--after "$after")
  if ! /usr/bin/python3 bench/ab.py "${opts[@]}" -- "${bpre[@]}" "${cmd[@]}" \
        --vs-- "${tpre[@]}" "${cmd[@]}" >>"$LOG" 2>"$OUT/ab.err"; then
    cat "$OUT/ab.err" >>"$LOG"
    run_skip "$w/$tool" "$base_label" "failed: $(head -n 1 "$OUT/ab.err" | sed 's/^ab.py: [^:]*: //' | cut -c1-200)"
    return 0
  fi
  grep '^RESULT' "$LOG" | tail -n 1 >&2
}

run_workload() {
  local w=$1
  local tc=$LIB/libtcmalloc.so.4 je=$LIB/libjemalloc.so.2 lsan=$LIB/liblsan.so.0
  local asan vw=$w vsuffix=""
  if [ "$w" = malloc_mt ]; then
    vw=malloc_mt@$VSLOW_MT_SCALE vsuffix=" (SCALE=$VSLOW_MT_SCALE)"
  fi
  asan=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.so 2>/dev/null | tail -n 1)
  if [ "$ls_full" = 1 ]; then
    run_row "$w" leakscope-full native "$PAIRS" 1 1 "" -- env --vs-- "$LEAKSCOPE" run --
    run_row "$w" leakscope-full-report native "$PAIRS" 1 1 "rm -f $SCR/r.json" -- env --vs-- \
      "$LEAKSCOPE" run --report "$SCR/r.json" --
  else
    echo leakscope-full | grep -Eq -- "$TOOLS" && run_skip "$w/leakscope-full" native "$ls_why"
  fi
  if [ "$ls_sample" = 1 ]; then
    run_row "$w" leakscope-sample native "$PAIRS" 1 1 "" -- env --vs-- "$LEAKSCOPE" run --sample --
  else
    echo leakscope-sample | grep -Eq -- "$TOOLS" && run_skip "$w/leakscope-sample" native "$ls_why"
  fi
  if [ "$ls_agent" = 1 ]; then
    run_row "$w" leakscope-agent-full native "$PAIRS" 1 1 "rm -f $SCR/ls.*.raw" -- env --vs-- \
      env LD_PRELOAD="$AGENT" LEAKSCOPE_OPTIONS="out=$SCR/ls.%p.raw,quiet=1"
    run_row "$w" leakscope-agent-sample native "$PAIRS" 1 1 "rm -f $SCR/ls.*.raw" -- env --vs-- \
      env LD_PRELOAD="$AGENT" LEAKSCOPE_OPTIONS="mode=sample,out=$SCR/ls.%p.raw,quiet=1"
  else
    echo leakscope-agent-full | grep -Eq -- "$TOOLS" &&
      run_skip "$w/leakscope-agent-full" native "no working $AGENT"
    echo leakscope-agent-sample | grep -Eq -- "$TOOLS" &&
      run_skip "$w/leakscope-agent-sample" native "no working $AGENT"
  fi
  if [ -e "$lsan" ]; then
    run_row "$w" lsan native "$PAIRS" 1 1 "" -- env --vs-- \
      env LD_PRELOAD="$lsan" LSAN_OPTIONS=exitcode=0
    run_row "$vw" "lsan-dwarf$vsuffix" native "$VSLOW_PAIRS" 0 1 "" -- env --vs-- \
      env LD_PRELOAD="$lsan" LSAN_OPTIONS=exitcode=0:fast_unwind_on_malloc=0
  fi
  if [ -e "$asan" ]; then
    run_row "$w" asan-leaks native "$MID_PAIRS" 1 1 "" -- env --vs-- \
      env LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0 \
      LSAN_OPTIONS=exitcode=0
  fi
  command -v heaptrack >/dev/null &&
    run_row "$w" heaptrack native "$MID_PAIRS" 1 0 "rm -f $SCR/ht.*" -- env --vs-- \
      heaptrack -o "$SCR/ht"
  # Valgrind computes x87 long double with 64-bit precision, so sqlite3's printing of a float
  # sum differs in the last digit under memcheck: no stdout comparison for that row.
  local vgcheck=1
  [ "$w" = sqlite ] && vgcheck=0
  command -v valgrind >/dev/null &&
    run_row "$w" memcheck native "$SLOW_PAIRS" 0 "$vgcheck" "" -- env --vs-- \
      valgrind --leak-check=full
  if [ -e "$tc" ]; then
    run_row "$w" tcmalloc glibc "$PAIRS" 1 1 "" -- env --vs-- env LD_PRELOAD="$tc"
    run_row "$vw" "gperftools-heapprof$vsuffix" glibc "$VSLOW_PAIRS" 0 1 "rm -f $SCR/gp.*" -- env --vs-- \
      env LD_PRELOAD="$tc" HEAPPROFILE="$SCR/gp"
  fi
  if [ -e "$je" ]; then
    run_row "$w" jemalloc glibc "$PAIRS" 1 1 "" -- env --vs-- env LD_PRELOAD="$je"
    run_row "$w" jemalloc-prof glibc "$PAIRS" 1 1 "" -- env --vs-- \
      env LD_PRELOAD="$je" MALLOC_CONF=prof:true,lg_prof_sample:19
    run_row "$w" jemalloc-prof jemalloc "$PAIRS" 1 1 "" -- env LD_PRELOAD="$je" --vs-- \
      env LD_PRELOAD="$je" MALLOC_CONF=prof:true,lg_prof_sample:19
  fi
}

# Whether the agent and `leakscope run` work yet: each mode is probed on `true`.
run_probe_leakscope() {
  [ "$AGENT" = "$BUILD/libleakscope.so" ] && make -s BUILD="$BUILD" "$AGENT" >>"$LOG" 2>&1
  ls_agent=0
  [ -e "$AGENT" ] &&
    env LD_PRELOAD="$AGENT" LEAKSCOPE_OPTIONS="out=$SCR/ls.%p.raw,quiet=1" true 2>>"$LOG" &&
    ls_agent=1
  rm -f "$SCR"/ls.*.raw
  ls_full=0 ls_sample=0 ls_why="$LEAKSCOPE run -- true failed (leakscope cannot run yet)"
  if [ -x "$LEAKSCOPE" ]; then
    "$LEAKSCOPE" run -- true >/dev/null 2>&1 && ls_full=1
    "$LEAKSCOPE" run --sample -- true >/dev/null 2>&1 && ls_sample=1
  else
    ls_why="no $LEAKSCOPE (build it with make)"
  fi
}

run_main() {
  local -a workloads=("$@")
  local w
  [ ${#workloads[@]} -eq 0 ] && workloads=(malloc_mt malloc_mt_large py_objects sqlite perl)
  for w in "${workloads[@]}"; do
    if ! run_workload_cmd "$w" >/dev/null; then
      note "unknown workload $w (malloc_mt py_objects sqlite perl)"
      return 2
    fi
  done
  run_install_missing
  export PYTHONMALLOC=malloc
  if ! make -s BUILD="$BUILD" "$BUILD/bench/malloc_mt" >>"$LOG" 2>&1; then
    note "cannot build $BUILD/bench/malloc_mt (see $LOG)"
    return 1
  fi
  run_probe_leakscope
  {
    echo "== bench/run.sh $(date '+%Y-%m-%d %H:%M:%S %z') on $(uname -srm), $(nproc) CPUs"
    echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$LOG"
  for w in "${workloads[@]}"; do
    run_workload "$w"
  done
  echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$LOG"
  /usr/bin/python3 bench/table.py "$JSONL"
}

# All on one line: bash reads no further, so editing this file during a run is safe.
run_main "$@"; exit $?
