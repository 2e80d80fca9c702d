#!/bin/sh
# test_frames_text.sh: frames in the memcheck-style text as memcheck shows
# them: a frame without a function is "??? (in OBJECT)" after its address
# (not the address twice); a return into code without debug information
# right after a unit (_start after main in a g++ -O2 -g build) gets no
# line of that unit ("_start (in PROG)", never "_start (basic_string.h:795)");
# no symbol version in a name (__libc_start_main@@GLIBC_2.34).
. "$(dirname "$0")/../harness/common.sh"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null 2>&1 || skip "no C++ compiler ($CXX)"
cd "$T" || exit 1
cat >o2.cc <<'CCEOF'
#include <cstdio>
#include <string>
#include <vector>
std::vector<std::string> *keep;
int main() {
  keep = new std::vector<std::string>;
  for (int i = 0; i < 3; i++) keep->push_back(std::string(100 + i, 'x'));
  std::string *lost = new std::string(200, 'y');
  std::printf("%zu\n", lost->size());
  lost = nullptr;
  return 0;
}
CCEOF
"$CXX" -O2 -g -o o2 o2.cc || fail "cannot build o2.cc"
"$LEAKSCOPE" run --show-below-main --show-reachable -- ./o2 >/dev/null 2>o2.txt || fail "run o2: $(cat o2.txt)"
grep -q '_start (in ' o2.txt || fail "no _start frame: $(cat o2.txt)"
grep -E '_start \([^i][^n]' o2.txt && fail "_start given a line it does not have: $(grep _start o2.txt)"
grep -q '@@\|@GLIBC' o2.txt && fail "a symbol version in a name: $(grep @ o2.txt)"
# a stripped copy: main has no symbol left
cp "$PROGS/run_leak_once" stripped && strip stripped || fail "cannot strip"
"$LEAKSCOPE" run -- ./stripped >/dev/null 2>s.txt
grep -Eq '^==[0-9]+==    (at|by) 0x[0-9A-F]+: \?\?\? \(in .*/stripped\)$' s.txt || fail "no ??? frame: $(cat s.txt)"
grep -Eq ': 0x[0-9a-f]+ \(in ' s.txt && fail "the address twice: $(cat s.txt)"
echo "test_frames_text: all checks passed"
