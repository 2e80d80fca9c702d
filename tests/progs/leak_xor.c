/* leak_xor.c: leak-check accuracy program: pointers hidden by XOR with a
 * constant are no pointers to a leak checker.  Three blocks and the head
 * of a four-node list are definitely lost (the other list nodes
 * indirectly), though the program can still reach them; one plainly
 * stored block is reachable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XOR_KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aULL)

struct link {
  struct link *next;
  long value;
};

static uintptr_t g_hidden[3];
static uintptr_t g_hidden_list;
static void *g_plain;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void hide_blocks(void)
{
  for (int i = 0; i < 3; i++) {
    char *p = malloc(40);
    memset(p, 'h', 40);
    g_hidden[i] = (uintptr_t)p ^ XOR_KEY;
  }
  struct link *head = NULL;
  for (long v = 1; v <= 4; v++) {
    struct link *l = malloc(sizeof *l);
    l->value = v;
    l->next = head;
    head = l;
  }
  g_hidden_list = (uintptr_t)head ^ XOR_KEY;
  g_plain = malloc(40);
  memset(g_plain, 'p', 40);
}

static long run(void)
{
  hide_blocks();
  long sum = 0;
  for (int i = 0; i < 3; i++)
    sum += ((char *)(g_hidden[i] ^ XOR_KEY))[0];
  for (struct link *l = (struct link *)(g_hidden_list ^ XOR_KEY); l; l = l->next)
    sum += l->value;
  return sum;
}

int main(void)
{
  long sum = run();
  scrub_stack();
  printf("leak_xor: %ld\n", sum);
  return 3;
}
