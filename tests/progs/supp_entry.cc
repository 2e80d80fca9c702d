/* supp_entry.cc: one definite leak through each entry point memcheck names
 * differently (tests/cli/test_supp_valgrind.sh): malloc, strdup (glibc's
 * calls malloc), new, new[] (libstdc++'s calls operator new), from
 * functions with external and internal linkage (a static function, an
 * anonymous namespace, a class in one), so that Valgrind's generated
 * suppressions name frames as fun:malloc, fun:strdup, fun:_Znwm,
 * fun:_Znam, fun:_ZL10make_arrayi, fun:_ZN12_GLOBAL__N_1... */
#include <cstdlib>
#include <cstring>

namespace {
__attribute__((noinline)) int *helper(int n) { return new int[n]; }
struct Local {
  __attribute__((noinline)) static char *make(long n) { return static_cast<char *>(malloc(n)); }
};
}  // namespace

namespace outer {
namespace inner {
__attribute__((noinline)) char *mk(const char *s) { return strdup(s); }
}  // namespace inner
}  // namespace outer

__attribute__((noinline)) static int *make_array(int n) { return new int[n]; }
__attribute__((noinline)) static long *make_one() { return new long(5); }

int main() {
  int *volatile a = helper(50);                          /* new[]: 200 bytes */
  char *volatile b = Local::make(100);                   /* malloc: 100 bytes */
  char *volatile c = outer::inner::mk("hello, world"); /* strdup: 13 bytes */
  int *volatile d = make_array(10);                      /* new[]: 40 bytes */
  long *volatile e = make_one();                         /* new: 8 bytes */
  long *volatile f = new long[3];                        /* new[] in main: 24 bytes */
  a = nullptr, b = nullptr, c = nullptr, d = nullptr, e = nullptr, f = nullptr;
  return 0;
}
