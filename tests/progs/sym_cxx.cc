// sym_cxx.cc: a C++ program for the symbolizer's unit test.  It prints its
// own path and load bias and a return address inside a method of a class in
// a namespace, so the test can check the demangled name.
//
// Output lines:
//   exe PATH BIAS
//   method RA LINE     RA returns into ns::Widget::method(int) at LINE
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <unistd.h>

static __attribute__((noinline)) void capture(void **ra) { *ra = __builtin_return_address(0); }

namespace ns {
struct Widget {
  __attribute__((noinline)) void *method(int x, int *line);
};

void *Widget::method(int x, int *line) {
  void *ra;
  *line = __LINE__ + 1 + x;
  capture(&ra);
  return ra;
}
}  // namespace ns

static int first_module(struct dl_phdr_info *info, size_t, void *data) {
  *static_cast<unsigned long *>(data) = info->dlpi_addr;
  return 1;  // the first entry is the main program
}

int main() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n < 0) return 1;
  path[n] = '\0';
  unsigned long bias = 0;
  dl_iterate_phdr(first_module, &bias);
  printf("exe %s %lx\n", path, bias);
  ns::Widget w;
  int line;
  void *ra = w.method(0, &line);
  printf("method %lx %d\n", (unsigned long)ra, line);
  return 0;
}
