#!/bin/sh
# What `run` says about what it wrote: with --report (or --xml, --profile)
# the memcheck-style summary is still printed on stderr, with one line per
# file saying where it went; --quiet prints neither; --log-file sends
# leakscope's own output to a file (%p: PROG's pid) and leaves PROG's
# stderr alone; --output-dir must be a directory that can be written.
. "$(dirname "$0")/../harness/common.sh"
P=$PROGS/leak_many
cd "$T" || fail "cd $T"

"$LEAKSCOPE" run --report r.json -- "$P" >out 2>err || fail "run --report: exit $?: $(cat err)"
grep -q "definitely lost: 240,000 bytes in 10,000 blocks" err || fail "run --report printed no summary: $(cat err)"
grep -q "^leakscope: report of process [0-9]* written to r.json$" err || fail "where the report went is not said: $(cat err)"
grep -q "leakscope retain r.json" err || fail "the retain hint does not name the report: $(cat err)"
[ -s r.json ] || fail "no report"
grep -q "lost 10000 blocks" out || fail "the program's output changed: $(cat out)"

"$LEAKSCOPE" run --xml x.xml --profile p.pb.gz -- "$P" >out 2>err || fail "run --xml --profile: exit $?"
grep -q "definitely lost: 240,000 bytes" err || fail "run --xml printed no summary: $(cat err)"
grep -q "^leakscope: memcheck XML of process [0-9]* written to x.xml$" err || fail "xml not announced: $(cat err)"
grep -q "^leakscope: heap profile of process [0-9]* written to p.pb.gz$" err || fail "profile not announced: $(cat err)"

"$LEAKSCOPE" run --quiet --report q.json -- "$P" >out 2>err || fail "run --quiet: exit $?"
[ -s err ] && fail "run --quiet printed: $(cat err)"
[ -s q.json ] || fail "run --quiet wrote no report"
"$LEAKSCOPE" run --quiet --gen-suppressions -- "$P" >out 2>err || fail "run --quiet --gen-suppressions: exit $?"
grep -q "Memcheck:Leak" err || fail "run --quiet dropped the suppressions asked for: $(cat err)"
grep -q "LEAK SUMMARY" err && fail "run --quiet printed the summary: $(cat err)"

# --log-file: leakscope's text goes to the file, the program's stderr stays
"$LEAKSCOPE" run --log-file "log.%p" --trace-children -- sh -c "echo from-prog >&2; exec $P" >out 2>err || fail "run --log-file: exit $?"
[ "$(cat err)" = from-prog ] || fail "stderr under --log-file is not just the program's: $(cat err)"
log=$(ls log.[0-9]*) || fail "no log.PID file"
grep -q "definitely lost: 240,000 bytes" "$log" || fail "the log lacks the summary: $(cat "$log")"
pid=${log#log.}
grep -q "^==$pid== LEAK SUMMARY" "$log" || fail "%p is not PROG's pid ($pid): $(cat "$log")"
# the lines of before PROG's start (--http's, on an address that is not
# loopback: a warning and a note) go to the log too, first
"$LEAKSCOPE" run --log-file early.log --http 0.0.0.0:0 -- "$P" >out 2>err || fail "run --log-file --http: exit $?"
[ -s err ] && fail "run --log-file --http printed on stderr: $(cat err)"
sed -n 1p early.log | grep -q "^leakscope: warning: serving HTTP on .*not a loopback address" ||
  fail "the log does not start with --http's warning: $(cat early.log)"
sed -n 2p early.log | grep -q "^leakscope: serving http://.*/debug/pprof/ and http://.*/metrics$" ||
  fail "the log's second line is not --http's note: $(cat early.log)"
grep -q "definitely lost: 240,000 bytes" early.log || fail "the log lacks the summary: $(cat early.log)"
# an error before PROG starts is on stderr, after what was held back before it
printf '\177ELF\002\001not-an-elf' >badprog && chmod +x badprog
"$LEAKSCOPE" run --log-file never.log --http 127.0.0.1:0 -- ./badprog >out 2>err
[ $? -eq 2 ] || fail "run of a program that cannot be executed: want exit 2"
sed -n 1p err | grep -q "^leakscope: serving http://" && sed -n 2p err | grep -q "^leakscope: error: cannot run ./badprog" &&
  [ "$(wc -l <err)" -eq 2 ] || fail "a program that cannot be executed: $(cat err)"
[ -e never.log ] && fail "a run that never started left its log"
expect_usage_error "an unwritable --log-file" "$LEAKSCOPE" run --log-file /nonexistent/dir/log -- "$P"
expect_usage_error "an --output-dir that does not exist" "$LEAKSCOPE" run --output-dir "$T/none" -- "$P"
ls "$T" | grep -q leakscope-probe && fail "a probe file was left"
exit 0
