/* leak_cycle.c: leak-check accuracy program: lost cycles.  A pair A<->B,
 * a ring of five nodes and a block pointing to itself are lost (one
 * definite leader per cycle, the rest indirect); a ring of three nodes
 * stays reachable from a global. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
  struct pair *other;
  long tag[3];
};

struct ring {
  struct ring *next;
  char data[32];
};

struct self {
  struct self *me;
  long a, b;
};

static struct ring *g_ring;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void leak_pair(void)
{
  struct pair *a = malloc(sizeof *a);
  struct pair *b = malloc(sizeof *b);
  memset(a, 0, sizeof *a);
  memset(b, 0, sizeof *b);
  a->other = b;
  b->other = a;
}

static struct ring *make_ring(int count)
{
  struct ring *first = NULL, *last = NULL;
  for (int i = 0; i < count; i++) {
    struct ring *r = malloc(sizeof *r);
    memset(r, 0, sizeof *r);
    snprintf(r->data, sizeof r->data, "ring-%d", i);
    if (last)
      last->next = r;
    else
      first = r;
    last = r;
  }
  last->next = first;
  return first;
}

static void leak_self(void)
{
  struct self *s = malloc(sizeof *s);
  s->me = s;
  s->a = 1;
  s->b = 2;
}

static int run(void)
{
  leak_pair();
  make_ring(5);
  leak_self();
  g_ring = make_ring(3);
  int n = 0;
  struct ring *r = g_ring;
  do {
    n++;
    r = r->next;
  } while (r != g_ring);
  return n;
}

int main(void)
{
  int n = run();
  scrub_stack();
  printf("leak_cycle: kept ring of %d\n", n);
  return 1;
}
