/* leak_many.c: leak-check accuracy program: many small leaks from a few
 * stacks.  10000 blocks of 24 bytes are lost from three call sites (5000,
 * 3000, 2000); 100 more are kept in a global table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *g_keep[100];

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void *small(void)
{
  void *p = malloc(24);
  memset(p, 's', 24);
  return p;
}

static void site_a(int n) { for (int i = 0; i < n; i++) small(); }
static void site_b(int n) { for (int i = 0; i < n; i++) small(); }
static void site_c(int n) { for (int i = 0; i < n; i++) small(); }

static int run(void)
{
  site_a(5000);
  site_b(3000);
  site_c(2000);
  for (int i = 0; i < 100; i++)
    g_keep[i] = small();
  return 10000;
}

int main(void)
{
  int n = run();
  scrub_stack();
  printf("leak_many: lost %d blocks\n", n);
  return 0;
}
