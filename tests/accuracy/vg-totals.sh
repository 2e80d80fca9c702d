#!/bin/sh
# vg-totals.sh: print the HEAP SUMMARY of a Valgrind memcheck text log
# (--log-file) as one line of five numbers:
#   allocs frees bytes_allocated inuse_bytes inuse_blocks
# from "in use at exit: X bytes in Y blocks" and "total heap usage: A
# allocs, F frees, B bytes allocated".  A log without them (memcheck did
# not finish) gives one line on stderr and exit 2.
# Usage: vg-totals.sh LOGFILE
[ $# -eq 1 ] || { echo "usage: vg-totals.sh LOGFILE" >&2; exit 2; }
[ -r "$1" ] || { echo "vg-totals.sh: cannot read $1" >&2; exit 2; }
awk -v logfile="$1" '
/ in use at exit: / {
  line = $0; sub(/.*in use at exit: */, "", line); gsub(/,/, "", line)
  split(line, f, " "); inuse_bytes = f[1]; inuse_blocks = f[4]; seen++
}
/ total heap usage: / {
  line = $0; sub(/.*total heap usage: */, "", line); gsub(/,/, "", line)
  split(line, f, " "); allocs = f[1]; frees = f[3]; bytes = f[5]; seen++
}
END {
  if (seen != 2) { print "vg-totals.sh: " logfile ": no HEAP SUMMARY" > "/dev/stderr"; exit 2 }
  print allocs, frees, bytes, inuse_bytes, inuse_blocks
}' "$1"
