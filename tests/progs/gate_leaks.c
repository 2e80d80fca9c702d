/*
 * gate_leaks.c: a program with a known leak of each kind, for the gate's
 * tests (tests/gate/test_gate.sh), run under valgrind and under leakscope:
 *   definitely lost: 40 bytes (a node) holding 24 indirect bytes (its child),
 *                    and 3 x 16 bytes from one site;
 *   possibly lost:   100 bytes reached only through an interior pointer;
 *   still reachable: 33 bytes from a global.
 * With the argument "clean" it frees everything and leaks nothing.
 */
#include <stdlib.h>
#include <string.h>

struct node {
  struct node *child;
  char pad[32];
};

static void *global_keep;
static char *interior;

static struct node *make_node(void) {
  struct node *n = malloc(sizeof *n);
  memset(n, 0, sizeof *n);
  n->child = malloc(24);
  memset(n->child, 0, 24);
  return n;
}

static void *small_leak(void) { return malloc(16); }

int main(int argc, char **argv) {
  int clean = argc > 1 && strcmp(argv[1], "clean") == 0;
  struct node *n = make_node();
  void *smalls[3];
  for (int i = 0; i < 3; i++) smalls[i] = small_leak();
  interior = (char *)malloc(100) + 8;
  global_keep = malloc(33);
  if (clean) {
    free(n->child);
    free(n);
    for (int i = 0; i < 3; i++) free(smalls[i]);
    free(interior - 8);
    free(global_keep);
  }
  n = NULL;
  memset(smalls, 0, sizeof smalls);
  return 0;
}
