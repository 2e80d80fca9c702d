# lib.sh: what the attach tests share (sourced after harness/common.sh).
#
#   start_leaker ITERS [THREADS]   attach_leaker in the background (with
#                                  ATTACH_LEAKER_KEYS if set), its
#                                  state in $T/state, stdout $T/prog.out,
#                                  stderr $T/prog.err; $LEAKER its pid
#   state FIELD                    a field of $T/state (attached, sessions,
#                                  leaked_a, leaked_b)
#   wait_state FIELD VALUE [S]     until FIELD is VALUE (S seconds, default 10)
#   inuse PROFILE FUNCTION         in-use bytes of the samples whose leaf is
#                                  FUNCTION
#   near EST TRUTH PCT WHAT        fail unless EST is within PCT% of TRUTH
#   tasks PID / fds PID            its thread count / its descriptors
#                                  (but the one attach_leaker opens for a
#                                  moment every 50 ms to write its state)
#   agent_maps PID                 how many times the agent file is mapped
#                                  at offset 0 (loaded copies)
CHECK="$LEAKSCOPE_ROOT/tests/pprof/pprof_check.py"
GOT="$LEAKSCOPE_ROOT/tests/attach/got_check.py"

start_leaker() {
  rm -f "$T/state"
  "$PROGS/attach_leaker" "$T/state" "$@" >"$T/prog.out" 2>"$T/prog.err" &
  LEAKER=$!
  for _ in $(seq 100); do [ -s "$T/state" ] && return 0; sleep 0.05; done
  fail "attach_leaker did not start"
}

state() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$T/state"; }

wait_state() {
  n=$(( ${3:-10} * 20 ))
  while [ "$n" -gt 0 ]; do
    [ "$(state "$1")" = "$2" ] && return 0
    sleep 0.05; n=$((n - 1))
  done
  fail "$1 never became $2 (state: $(cat "$T/state"))"
}

inuse() {
  $PY "$CHECK" "$1" | awk -v f="$2" '$1 == "sample" { split($2, fr, "<"); if (fr[1] == f) s += $6 } END { print s + 0 }'
}

near() {
  echo "$4: estimated $1 bytes, truth $2" >&2
  $PY -c "import sys; e, t, p = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); sys.exit(0 if t > 0 and abs(e - t) <= t * p / 100 else 1)" "$1" "$2" "$3" \
    || fail "$4: estimated $1 bytes, truth $2 (want within $3%)"
}

tasks() { ls "/proc/$1/task" | wc -l; }
fds() {
  state_tmp="$(realpath "$T")/state.tmp"
  for fd in $(ls "/proc/$1/fd" | sort); do
    target=$(readlink "/proc/$1/fd/$fd") || continue # closed meanwhile
    [ "$target" = "$state_tmp" ] || printf '%s ' "$fd"
  done
}
agent_maps() { awk '$3 == "00000000" && $6 ~ /libleakscope\.so/' "/proc/$1/maps" | wc -l; }
