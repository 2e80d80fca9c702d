/* leak_big.c: leak-check accuracy program: blocks above the mmap
 * threshold.  1 MiB and 3 MiB blocks are definitely lost, a 64 MiB block
 * stays reachable from a global and an 8 MiB block is freed.  (A lost
 * 64 MiB block would be "possibly lost" under memcheck only: under
 * valgrind it spans addresses that unrelated integers in memory equal.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *g_big;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static char *filled(size_t size, int byte)
{
  char *p = malloc(size);
  memset(p, byte, size);
  return p;
}

static int run(void)
{
  int sum = 0;
  sum += filled(1 << 20, 1)[100];
  sum += filled(3 << 20, 2)[100];
  g_big = filled((size_t)64 << 20, 3);
  char *tmp = filled(8 << 20, 4);
  sum += tmp[100];
  free(tmp);
  return sum + g_big[100];
}

int main(void)
{
  int sum = run();
  scrub_stack();
  printf("leak_big: %d\n", sum);
  return 0;
}
