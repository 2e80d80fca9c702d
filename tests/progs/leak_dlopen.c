/* leak_dlopen.c: leak-check accuracy program: a dlopen'ed library that
 * leaks.  Loads libleak_plugin.so from the directory of /proc/self/exe,
 * calls plugin_leak(4) (four definitely lost blocks, one block reachable
 * from the library's global) and does not dlclose it. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static int run(void)
{
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    return -1;
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  if (!slash || (size_t)(slash - path) + sizeof "/libleak_plugin.so" > sizeof path)
    return -1;
  strcpy(slash, "/libleak_plugin.so");
  void *lib = dlopen(path, RTLD_NOW);
  if (!lib)
    return -1;
  int (*leak)(int) = (int (*)(int))dlsym(lib, "plugin_leak");
  if (!leak)
    return -1;
  return leak(4);
}

int main(void)
{
  int n = run();
  scrub_stack();
  if (n < 0) {
    printf("leak_dlopen: cannot load the plugin\n");
    return 1;
  }
  printf("leak_dlopen: plugin leaked %d blocks\n", n);
  return 0;
}
