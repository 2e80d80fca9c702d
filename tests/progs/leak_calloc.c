/* leak_calloc.c: leak-check accuracy program: calloc and zero-size blocks.
 * Three calloc(100, 8) blocks, one calloc(1, 1 MiB) block and the
 * zero-size blocks of calloc(0, 16) and malloc(0) are definitely lost;
 * one calloc block stays reachable from a global. */
#include <stdio.h>
#include <stdlib.h>

static long *g_counts;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static long run(void)
{
  long sum = 0;
  for (int i = 0; i < 3; i++) {
    long *v = calloc(100, 8);
    sum += v[99];
  }
  char *big = calloc(1, 1 << 20);
  sum += big[12345];
  sum += calloc(0, 16) != NULL;
  sum += malloc(0) != NULL;
  g_counts = calloc(10, sizeof *g_counts);
  g_counts[9] = 7;
  return sum + g_counts[9];
}

int main(void)
{
  long sum = run();
  scrub_stack();
  printf("leak_calloc: %ld\n", sum);
  return 4;
}
