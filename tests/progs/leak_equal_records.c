/* leak_equal_records.c: leak-check accuracy program whose loss records
 * have equal sizes, so that their numbers ("loss record K of N") depend on
 * memcheck's whole order: 48 bytes definitely lost at two sites (one block
 * each) and at a third in two 24-byte blocks, 48 bytes (16 direct, 32
 * indirect) lost through a block that holds another, 48 bytes indirectly
 * lost (held by a lost 16-byte block), 48 bytes possibly lost (an interior
 * pointer), 48 bytes still reachable, and 1,200 blocks of 8 bytes
 * definitely lost at one site (thousands separators). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
  void *other;
  long pad;
};

static void *g_reachable;
static char *g_inside;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void *filled(size_t size)
{
  void *p = malloc(size);
  memset(p, 'x', size);
  return p;
}

static void lose_first(void) { (void)filled(48); }

static void lose_second(void) { (void)filled(48); }

static void lose_two_halves(void)
{
  for (int i = 0; i < 2; i++)
    (void)filled(24);
}

static void lose_holder(size_t held)
{
  struct pair *p = malloc(sizeof *p);
  p->other = filled(held);
  p->pad = 0;
}

static void lose_many_small(void)
{
  for (int i = 0; i < 1200; i++)
    (void)filled(8);
}

int main(void)
{
  lose_first();
  lose_second();
  lose_two_halves();
  lose_holder(32);
  lose_holder(48);
  lose_many_small();
  g_inside = (char *)filled(48) + 20;
  g_reachable = filled(48);
  scrub_stack();
  printf("done\n");
  return 0;
}
