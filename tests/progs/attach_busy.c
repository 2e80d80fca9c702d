/* attach_busy.c: a program that is always inside libc (memset of 64 MiB
 * over and over), so `leakscope attach` never finds it at a safe point,
 * for SECONDS seconds (default 1); then it exits 0
 * (tests/attach/test_attach_exit.sh). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1;
  size_t n = 64u << 20;
  char *buf = malloc(n);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    memset(buf, rand() & 0xff, n);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
  free(buf);
  return 0;
}
