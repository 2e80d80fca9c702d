/*
 * attach_dlopen.c: a program that loads a library while it is attached
 * (tests/attach/test_attach_dlopen.sh).
 *
 *   attach_dlopen STATE GO ITERS
 *
 * Every millisecond for ITERS iterations it leaks 3000 bytes at main_site.
 * Once the file GO exists it dlopens libattach_plugin.so by its bare name
 * (found through this program's RUNPATH, $ORIGIN: only when the loader
 * sees this program as dlopen's caller), calls plugin_burst() at once and
 * plugin_leak() at every iteration after.  STATE says "loaded N" (0 before
 * the dlopen, 1 after, -1 when it failed, with dlerror() on stderr).
 * stdout: "done"; exit status 0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static void *main_site(void) { return malloc(3000); }

static void write_state(const char *path, int loaded) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "loaded %d\n", loaded);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long iters = atol(argv[3]);
  int loaded = 0;
  void (*leak)(void) = NULL;
  write_state(argv[1], 0);
  for (long i = 0; i < iters; i++) {
    memset(main_site(), 1, 3000);
    if (!loaded && i % 10 == 0 && access(argv[2], F_OK) == 0) {
      void *lib = dlopen("libattach_plugin.so", RTLD_NOW);
      if (lib == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        loaded = -1;
      } else {
        void (*burst)(void) = (void (*)(void))dlsym(lib, "plugin_burst");
        leak = (void (*)(void))dlsym(lib, "plugin_leak");
        burst();
        loaded = 1;
      }
      write_state(argv[1], loaded);
    }
    if (leak != NULL) leak();
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  printf("done\n");
  return 0;
}
