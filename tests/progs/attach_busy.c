/* attach_busy.c: a program that is always inside libc, so `leakscope attach`
 * never finds it at a safe point (tests/attach/test_attach_exit.sh):
 *
 *   attach_busy SECONDS READY
 *
 * fills an array, creates the file READY, then sorts the array with qsort
 * and libc's strcmp as the comparison (both in libc) over and over for
 * SECONDS seconds, and exits 0. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N (256 * 1024)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  double seconds = atof(argv[1]);
  uint64_t *a = calloc(N + 2, sizeof *a); /* zero words after the last: every strcmp ends */
  uint64_t x = 88172645463325252u;
  for (size_t i = 0; i < N; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    a[i] = x | 0x0101010101010101u;
  }
  close(open(argv[2], O_WRONLY | O_CREAT, 0644));
  double end = now_s() + seconds;
  do qsort(a, N, sizeof *a, (int (*)(const void *, const void *))strcmp);
  while (now_s() < end);
  free(a);
  return 0;
}
