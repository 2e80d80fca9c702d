/* leak_tree.c: leak-check accuracy program: two lost binary search trees
 * (each root definitely lost, its 30 other nodes indirectly lost, all nodes
 * allocated at one call site in node_new), one small definite leak from
 * another function, and a 7-node tree kept reachable from a global.
 * tests/accuracy/test_records.sh looks for the line marked LEAK_SITE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
  struct node *left, *right;
  long key;
  char payload[24];
};

static struct node *g_kept;

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static struct node *node_new(long key)
{
  struct node *n = malloc(sizeof *n); /* LEAK_SITE */
  memset(n, 0, sizeof *n);
  n->key = key;
  snprintf(n->payload, sizeof n->payload, "node-%ld", key);
  return n;
}

static struct node *tree_insert(struct node *root, long key)
{
  struct node **slot = &root;
  while (*slot)
    slot = key < (*slot)->key ? &(*slot)->left : &(*slot)->right;
  *slot = node_new(key);
  return root;
}

static struct node *build_tree(long count)
{
  struct node *root = NULL;
  for (long i = 0; i < count; i++)
    root = tree_insert(root, (i * 17) % count);
  return root;
}

static long tree_sum(const struct node *n)
{
  return n ? n->key + tree_sum(n->left) + tree_sum(n->right) : 0;
}

static char *make_label(void)
{
  char *label = malloc(16);
  memcpy(label, "leaked-label-00", 16);
  return label;
}

static long run(void)
{
  long sum = 0;
  for (int i = 0; i < 2; i++) {
    struct node *t = build_tree(31);
    sum += tree_sum(t);
  }
  char *label = make_label();
  sum += label[0];
  g_kept = build_tree(7);
  sum += tree_sum(g_kept);
  return sum;
}

int main(void)
{
  long sum = run();
  scrub_stack();
  printf("leak_tree: checksum %ld\n", sum);
  return 0;
}
