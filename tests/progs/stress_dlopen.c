/* stress_dlopen.c: 4 threads dlopen, call and dlclose a library
 * (libstress_churn.so, beside the program) N times each; the library
 * allocates in its constructor, frees in its destructor and leaks 32
 * bytes per call.  Prints how many calls saw the library initialized. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char path[4096];
static int rounds;

static void *churn(void *arg)
{
  long ok = 0;
  for (int i = 0; i < rounds; i++) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
      continue;
    int (*leak)(void) = (int (*)(void))dlsym(h, "stress_churn_leak");
    if (leak != NULL && leak())
      ok++;
    dlclose(h);
  }
  return (void *)ok;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: stress_dlopen N\n");
    return 2;
  }
  rounds = atoi(argv[1]);
  const char *slash = strrchr(argv[0], '/');
  int dir = slash ? (int)(slash - argv[0] + 1) : 0;
  snprintf(path, sizeof path, "%.*slibstress_churn.so", dir, argv[0]);
  pthread_t t[4];
  long ok = 0;
  for (int i = 0; i < 4; i++)
    if (pthread_create(&t[i], NULL, churn, NULL) != 0)
      return 1;
  for (int i = 0; i < 4; i++) {
    void *r;
    pthread_join(t[i], &r);
    ok += (long)r;
  }
  printf("%ld of %d calls saw the library loaded\n", ok, 4 * rounds);
  return ok == 4 * rounds ? 0 : 1;
}
