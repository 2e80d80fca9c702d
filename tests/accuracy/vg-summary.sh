#!/bin/sh
# vg-summary.sh: print the LEAK SUMMARY of a Valgrind memcheck text log
# (--log-file) as one line of eight numbers:
#   definite_bytes definite_blocks indirect_bytes indirect_blocks
#   possible_bytes possible_blocks reachable_bytes reachable_blocks
# A log saying "All heap blocks were freed" gives eight zeros.  A log with
# neither (memcheck did not finish) gives one line on stderr and exit 2.
# Usage: vg-summary.sh LOGFILE
[ $# -eq 1 ] || { echo "usage: vg-summary.sh LOGFILE" >&2; exit 2; }
[ -r "$1" ] || { echo "vg-summary.sh: cannot read $1" >&2; exit 2; }
awk -v logfile="$1" '
function count(line, kind) {
  sub(/.*: */, "", line)
  gsub(/,/, "", line)
  split(line, f, " ")
  if (f[2] != "bytes" || f[3] != "in") {
    print "vg-summary.sh: " logfile ": unexpected line for " kind ": " line > "/dev/stderr"
    bad = 1
  }
  bytes[kind] = f[1]; blocks[kind] = f[4]; seen[kind] = 1
}
/All heap blocks were freed/ { freed = 1 }
/definitely lost: / { count($0, "d") }
/indirectly lost: / { count($0, "i") }
/possibly lost: /   { count($0, "p") }
/still reachable: / { count($0, "r") }
END {
  if (bad) exit 2
  if (freed) { print "0 0 0 0 0 0 0 0"; exit 0 }
  if (!(seen["d"] && seen["i"] && seen["p"] && seen["r"])) {
    print "vg-summary.sh: " logfile ": no LEAK SUMMARY" > "/dev/stderr"
    exit 2
  }
  print bytes["d"], blocks["d"], bytes["i"], blocks["i"], bytes["p"], blocks["p"], bytes["r"], blocks["r"]
}' "$1"
