/*
 * realloc_stale_header.c: what a moving realloc leaves behind under the
 * agent's full mode (tests/host/test_realloc_header.sh).  x, y and z are
 * neighbours of 2,000 bytes (too large for glibc's tcache and fastbins);
 * x is freed, then y grows to 200,000 bytes, so glibc moves it and frees
 * the old chunk itself, merging it with free x: the old chunk's first
 * bytes, where the agent kept y's header, are not overwritten by glibc.
 * The program reads the 16 bytes before y (the header) before and after,
 * and prints "stale" when the old header is still there, "clean" when it
 * is not.  (Reading freed memory: a test of the agent's bookkeeping only.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  char *x = malloc(2000), *y = malloc(2000), *z = malloc(2000);
  if (x == NULL || y == NULL || z == NULL) return 1;
  memset(y, 1, 2000);
  uint64_t before[2], after[2];
  memcpy(before, y - 16, sizeof before);
  char *old = y;
  free(x);
  y = realloc(y, 200000);
  if (y == NULL || y == old) {
    puts("not moved");
    return 0;
  }
  memcpy(after, old - 16, sizeof after);
  puts(after[0] == before[0] && before[0] != 0 ? "stale" : "clean");
  free(y);
  free(z);
  return 0;
}
