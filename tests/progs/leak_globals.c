/* leak_globals.c: leak-check accuracy program: blocks held by globals
 * (a pointer table in .bss and a linked list from an initialised global)
 * are still reachable; one block is definitely lost for contrast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
  struct item *next;
  long value;
};

static void *g_table[10];
struct item *g_list = NULL;
static int g_initialised = 1;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void fill_table(void)
{
  for (int i = 0; i < 10; i++) {
    size_t size = 100 + 10 * (size_t)i;
    g_table[i] = malloc(size);
    memset(g_table[i], i, size);
  }
}

static void fill_list(void)
{
  for (long v = 0; v < 20; v++) {
    struct item *it = malloc(sizeof *it);
    it->value = v;
    it->next = g_list;
    g_list = it;
  }
}

static void leak_one(void)
{
  char *p = malloc(77);
  memset(p, 'x', 77);
}

static long run(void)
{
  fill_table();
  fill_list();
  leak_one();
  long sum = 0;
  for (struct item *it = g_list; it; it = it->next)
    sum += it->value;
  return sum + g_initialised;
}

int main(void)
{
  long sum = run();
  scrub_stack();
  printf("leak_globals: %ld\n", sum);
  return 0;
}
