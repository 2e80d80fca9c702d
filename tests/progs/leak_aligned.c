/* leak_aligned.c: leak-check accuracy program: aligned allocations.
 * posix_memalign, aligned_alloc, memalign and valloc blocks are definitely
 * lost; one posix_memalign block stays reachable from a global; one
 * memalign block is freed. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *g_aligned;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static unsigned check(void *p, size_t align, size_t size)
{
  memset(p, 'a', size);
  return ((uintptr_t)p % align) == 0;
}

static unsigned run(void)
{
  unsigned ok = 0;
  void *p = NULL;
  if (posix_memalign(&p, 64, 100) == 0)
    ok += check(p, 64, 100);
  ok += check(aligned_alloc(256, 512), 256, 512);
  ok += check(memalign(4096, 1000), 4096, 1000);
  ok += check(valloc(5000), 4096, 5000);
  if (posix_memalign(&g_aligned, 128, 300) == 0)
    ok += check(g_aligned, 128, 300);
  void *f = memalign(32, 48);
  ok += check(f, 32, 48);
  free(f);
  return ok;
}

int main(void)
{
  unsigned ok = run();
  scrub_stack();
  printf("leak_aligned: %u of 6 aligned\n", ok);
  return 0;
}
