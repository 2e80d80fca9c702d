#!/bin/sh
# test_supp_valgrind.sh: Valgrind's own suppression files carry over
# exactly.  memcheck --gen-suppressions=all writes one suppression per loss
# record of tests/progs/supp_entry.cc (malloc, strdup, new and new[] leaks
# from functions with external and internal linkage, so frames such as
# fun:strdup, fun:_Znam, fun:_ZL10make_arrayi); the whole file, each
# suppression alone, and hand-written ones that tell new from new[]
# suppress the same bytes under leakscope as under memcheck.  The frames
# are named as memcheck names them.
. "$(dirname "$0")/../harness/common.sh"
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
P="$PROGS/supp_entry"
[ -x "$P" ] || fail "missing $P (make test-build)"
cd "$T" || exit 1

valgrind --leak-check=full --gen-suppressions=all "$P" >/dev/null 2>vg.txt || fail "valgrind: $(tail vg.txt)"
# the suppressions, without memcheck's "==PID==" lines
awk '/^\{/ { on = 1 } on && !/^==/ { print } /^\}/ { on = 0 }' vg.txt >all.supp
[ "$(grep -c '^{' all.supp)" -eq 6 ] || fail "memcheck wrote $(grep -c '^{' all.supp) suppressions, want 6: $(cat vg.txt)"
grep -q 'fun:_ZL10make_arrayi' all.supp && grep -q 'fun:strdup' all.supp && grep -q 'fun:_Znam' all.supp \
  || fail "unexpected suppressions: $(cat all.supp)"

vg_suppressed() {  # bytes memcheck suppresses with the file
  valgrind --leak-check=full --suppressions="$1" "$P" 2>&1 >/dev/null |
    sed -n 's/.*suppressed: \([0-9,]*\) bytes.*/\1/p' | tail -n 1 | tr -d ,
}
ls_suppressed() {  # bytes leakscope suppresses with the file
  "$LEAKSCOPE" run --suppressions "$1" --report "$1.json" -- "$P" >/dev/null 2>&1 || fail "leakscope run with $1"
  $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["suppressed"]["bytes"])' "$1.json"
}
same() {
  v=$(vg_suppressed "$1"); l=$(ls_suppressed "$1")
  [ -n "$v" ] && [ "$v" = "$l" ] || fail "$1: memcheck suppresses $v bytes, leakscope $l: $(cat "$1")"
  echo "ok: $1 suppresses $v bytes under both"
}
same all.supp
[ "$(vg_suppressed all.supp)" -eq 385 ] || fail "memcheck did not suppress everything"
# each suppression alone
awk -v dir="$T" '/^\{/ { n++; f = dir "/one" n ".supp" } { print > f }' all.supp
for f in one*.supp; do same "$f"; done
# operator new does not hide new[], nor the reverse
printf '{\n   new_in_main\n   Memcheck:Leak\n   fun:_Znwm\n   fun:main\n}\n' >new.supp
printf '{\n   new_array_in_main\n   Memcheck:Leak\n   fun:_Znam\n   fun:main\n}\n' >newarray.supp
printf '{\n   any_new\n   Memcheck:Leak\n   fun:_Znwm\n   ...\n   fun:main\n}\n' >anynew.supp
for f in new.supp newarray.supp anynew.supp; do same "$f"; done

# the frames as memcheck names them
"$LEAKSCOPE" run -- "$P" >/dev/null 2>ls.txt
for frame in 'strdup (strdup.c' '(anonymous namespace)::helper(int) (supp_entry.cc' \
    '(anonymous namespace)::Local::make(long) (supp_entry.cc' 'outer::inner::mk(char const\*) (supp_entry.cc' \
    'make_array(int) (supp_entry.cc' 'operator new\[\](unsigned long)' 'operator new(unsigned long)'; do
  grep -q "$frame" ls.txt || fail "no frame '$frame': $(cat ls.txt)"
done
grep -q '__strdup' ls.txt && fail "__strdup shown where memcheck shows strdup"
echo "test_supp_valgrind: all checks passed"
