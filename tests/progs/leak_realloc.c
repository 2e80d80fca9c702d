/* leak_realloc.c: leak-check accuracy program: realloc chains.  A buffer
 * grown 25 times by 3/2 (passing the mmap threshold) is leaked at its final
 * size; a shrunk buffer and a realloc(NULL, n) block are leaked too; a
 * buffer grown and then freed leaves nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static size_t grow_and_leak(void)
{
  char *buf = NULL;
  size_t cap = 0;
  for (int i = 0; i < 25; i++) {
    cap = cap ? cap * 3 / 2 : 16;
    buf = realloc(buf, cap);
    memset(buf, 'g', cap);
  }
  return cap;
}

static void shrink_and_leak(void)
{
  char *p = malloc(1000);
  memset(p, 's', 1000);
  p = realloc(p, 100);
  p[99] = 0;
}

static void realloc_null_leak(void)
{
  char *p = realloc(NULL, 72);
  memset(p, 'n', 72);
}

static void grow_and_free(void)
{
  char *p = NULL;
  for (size_t n = 8; n < 5000; n *= 2) {
    p = realloc(p, n);
    memset(p, 'f', n);
  }
  free(p);
}

static size_t run(void)
{
  size_t cap = grow_and_leak();
  shrink_and_leak();
  realloc_null_leak();
  grow_and_free();
  return cap;
}

int main(void)
{
  size_t cap = run();
  scrub_stack();
  printf("leak_realloc: final capacity %zu\n", cap);
  return 0;
}
