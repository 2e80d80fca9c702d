# test_suppressions.sh: Valgrind and LeakSanitizer suppression files suppress
# the right records, are counted in summary.suppressed, and leave the rest.
. "$(dirname "$0")/../harness/common.sh"
P="$PROGS/run_leak_once"
PY=/usr/bin/python3

check() {  # report, want definite bytes, want suppressed bytes
  $PY - "$1" "$2" "$3" <<'PYEOF' || fail "suppression result for $1"
import json, sys
r = json.load(open(sys.argv[1]))
d, s = r["summary"]["definitely_lost"]["bytes"], r["summary"]["suppressed"]["bytes"]
assert (d, s) == (int(sys.argv[2]), int(sys.argv[3])), (d, s)
sup = [x for x in r["records"] if "suppressed" in x]
assert len(sup) == (1 if int(sys.argv[3]) else 0), sup
PYEOF
}

cat >"$T/vg.supp" <<'SUPP'
# a comment
{
   leak_here_is_known
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   fun:leak_here
   ...
   fun:main
}
{
   not_a_leak_kind
   Memcheck:Cond
   fun:whatever
}
SUPP
"$LEAKSCOPE" run --suppressions "$T/vg.supp" --report "$T/a.json" -- "$P" >/dev/null || fail "run"
check "$T/a.json" 32 64

printf 'leak:other_place\n' >"$T/lsan.supp"
"$LEAKSCOPE" run --suppressions "$T/lsan.supp" --report "$T/b.json" -- "$P" >/dev/null || fail "run"
check "$T/b.json" 64 32

cat >"$T/kinds.supp" <<'SUPP'
{
   only_reachable
   Memcheck:Leak
   match-leak-kinds: reachable
   fun:leak_here
}
SUPP
"$LEAKSCOPE" run --suppressions "$T/kinds.supp" --report "$T/c.json" -- "$P" >/dev/null || fail "run"
check "$T/c.json" 96 0

# --error-exitcode ignores suppressed leaks
printf 'leak:run_leak_once\n' >"$T/all.supp"
"$LEAKSCOPE" run --suppressions "$T/all.supp" --error-exitcode 9 -- "$P" >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || fail "suppressed leaks still triggered --error-exitcode ($rc)"
exit 0
