#!/bin/sh
# test_record_numbers.sh: loss records are numbered as memcheck numbers them.
# leak_equal_records has ten records, most of them 48 bytes (of every kind,
# one and two blocks, with and without indirect bytes) and one of 1,200
# blocks.  memcheck runs here on it; the text summary of
# `leakscope run --show-reachable` must print memcheck's "N bytes in B
# blocks are KIND in loss record K of N" lines exactly (as a set: records
# equal in all but their stack may swap stacks), each number once, and the
# --xml output must carry the same lines.
. "$(dirname "$0")/../harness/common.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed"
[ -x "$LEAKSCOPE" ] || fail "$LEAKSCOPE is not built"
prog="$PROGS/leak_equal_records"
[ -x "$prog" ] || fail "$prog is not built"

valgrind --leak-check=full --show-leak-kinds=all --log-file="$T/vg.log" "$prog" >/dev/null 2>&1 ||
  fail "valgrind failed on $prog"
timeout -k 5 120 "$LEAKSCOPE" run --show-reachable --xml "$T/ls.xml" -- "$prog" \
  >/dev/null 2>"$T/ls.err" || fail "leakscope run failed: $(head -c 300 "$T/ls.err")"

# the record lines without the ==PID== prefix, sorted
records() { grep ' in loss record ' "$1" | sed 's/^==[0-9]*== //' | sort; }
records "$T/vg.log" >"$T/vg.records"
records "$T/ls.err" >"$T/ls.records"
sed -n 's/^ *<text>\(.* in loss record .*\)<\/text>$/\1/p' "$T/ls.xml" | sort >"$T/xml.records"
cat "$T/ls.records"
[ "$(wc -l <"$T/vg.records")" -eq 10 ] || fail "memcheck printed $(wc -l <"$T/vg.records") records, not 10"
diff "$T/vg.records" "$T/ls.records" >"$T/diff" ||
  fail "leakscope's records differ from memcheck's: $(tr '\n' ' ' <"$T/diff")"
diff "$T/vg.records" "$T/xml.records" >"$T/diff" ||
  fail "the XML's records differ from memcheck's: $(tr '\n' ' ' <"$T/diff")"
numbers=$(sed 's/.* in loss record \([0-9,]*\) of .*/\1/' "$T/ls.records" | sort -n | uniq -d)
[ -z "$numbers" ] || fail "loss record numbers used twice: $numbers"
