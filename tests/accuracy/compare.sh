# compare.sh: sourced by the leak accuracy tests; compares a leakscope
# report's summary (report-summary.py output) with memcheck's numbers
# (expected.txt or vg-summary.sh output) and counts mismatches in $bad.
summary_fields="definitely_lost.bytes definitely_lost.blocks indirectly_lost.bytes indirectly_lost.blocks possibly_lost.bytes possibly_lost.blocks still_reachable.bytes still_reachable.blocks"
bad=0

# mismatch TEXT: print one MISMATCH line and count it.
mismatch() {
  echo "MISMATCH $*"
  bad=$((bad + 1))
}

# compare_summary NAME REACHABLE(yes|no) POSSIBLE(exact|blocks) "8 MEMCHECK NUMBERS"
#   "8+ LEAKSCOPE NUMBERS": exact comparison; still-reachable only when
#   REACHABLE is yes; possibly-lost bytes only when POSSIBLE is exact.
compare_summary() {
  cs_name=$1 cs_reach=$2 cs_poss=$3 cs_want=$4 cs_got=$5 cs_i=0
  for cs_field in $summary_fields; do
    cs_i=$((cs_i + 1))
    cs_w=$(echo "$cs_want" | cut -d' ' -f$cs_i)
    cs_g=$(echo "$cs_got" | cut -d' ' -f$cs_i)
    case "$cs_field" in
      still_reachable.*) [ "$cs_reach" = yes ] || continue ;;
      possibly_lost.bytes) [ "$cs_poss" = exact ] || continue ;;
    esac
    [ "$cs_w" = "$cs_g" ] || mismatch "$cs_name $cs_field: memcheck $cs_w, leakscope $cs_g"
  done
}
