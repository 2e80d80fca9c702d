/* run_dlclose.c: dlopen libleak_plugin.so (beside this program), let it
 * leak 3 blocks plus its 4096-byte cache, then dlclose it: every block is
 * definitely lost, allocated in code that is no longer mapped at exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
  if (n <= 0) return 1;
  path[n] = 0;
  strcpy(strrchr(path, '/'), "/libleak_plugin.so");
  void *lib = dlopen(path, RTLD_NOW);
  if (lib == NULL) return 1;
  int (*leak)(int) = (int (*)(int))dlsym(lib, "plugin_leak");
  int k = leak(3);
  dlclose(lib);
  printf("leaked %d\n", k);
  return 0;
}
