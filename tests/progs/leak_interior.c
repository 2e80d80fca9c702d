/* leak_interior.c: leak-check accuracy program: blocks reached only through
 * interior pointers (possibly lost), a block reached by a start pointer
 * from a possibly-lost block only (still possibly lost), and a block
 * reached by an interior pointer from a lost block (indirectly lost).
 * Offsets avoid memcheck's heuristics (8 and 24 bytes, vtable-like data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct holder {
  long pad[2];
  void *child;
  long more[5];
};

static char *g_mid;
static char *g_end;
static char *g_odd;
static char *g_holder_inside;

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

static void make_interior(void)
{
  g_mid = filled(64, 'a') + 16;
  g_end = filled(50, 'b') + 49;
  g_odd = filled(200, 'c') + 101;
}

static void make_holder(void)
{
  struct holder *h = malloc(sizeof *h);
  memset(h, 0, sizeof *h);
  h->child = filled(32, 'q');
  g_holder_inside = (char *)h + 40;
}

static void make_lost_interior(void)
{
  char **d = malloc(48);
  memset(d, 0, 48);
  d[0] = filled(40, 'e') + 20;
}

static int run(void)
{
  make_interior();
  make_holder();
  make_lost_interior();
  return g_mid[0] + g_end[0] + g_odd[0];
}

int main(void)
{
  int sum = run();
  scrub_stack();
  printf("leak_interior: %d\n", sum);
  return 0;
}
