# test_special_outputs.sh: an output that is not a regular file (/dev/null,
# a FIFO) is written in place, never replaced by renaming a temporary file
# over it: `run --report`, `--log-file`, `report -o`-style outputs and the
# agent's own snapshot (out=) leave a FIFO a FIFO, and what was written
# reaches its reader.  (A FIFO stands for /dev/null, which a test must not
# risk.)
. "$(dirname "$0")/../harness/common.sh"
cd "$T" || exit 2

fifo_output() {  # what, command... (an @ in an argument stands for the FIFO)
  what="$1"; shift
  rm -f fifo got
  mkfifo fifo || fail "mkfifo"
  timeout 60 cat fifo >got &
  reader=$!
  args=""
  for a in "$@"; do args="$args '$(printf %s "$a" | sed "s|@|$T/fifo|")'"; done
  eval "timeout 120 $args" >out 2>err </dev/null
  rc=$?
  # a command that never opened the FIFO leaves the reader waiting: open it once
  [ -p fifo ] && { : >fifo & }
  wait $reader
  [ -p fifo ] || fail "$what: the FIFO was replaced by a $(stat -c %F fifo 2>/dev/null) (exit $rc: $(cat err))"
  [ -s got ] || fail "$what: nothing reached the FIFO's reader (exit $rc: $(cat err))"
}

fifo_output "run --report" "$LEAKSCOPE" run --report @ -- "$PROGS/run_leak_once"
grep -q '"definitely' got || grep -q 'definitely' got || fail "run --report: not the report: $(head -c 200 got)"
fifo_output "run --log-file" "$LEAKSCOPE" run --log-file @ -- "$PROGS/run_leak_once"
grep -q "LEAK SUMMARY" got || fail "--log-file: not the summary: $(head -c 200 got)"
fifo_output "agent out=" env LD_PRELOAD="$LEAKSCOPE_AGENT" LEAKSCOPE_OPTIONS="out=@" "$PROGS/run_leak_once"
echo ok
