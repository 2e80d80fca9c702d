/*
 * leaky.c: the demo program for `make demo`: a small "service" with three
 * realistic leaks: a parse tree that is dropped without being freed (a lost
 * tree: one definitely lost root holding indirectly lost nodes), a request
 * buffer forgotten on an error path (definitely lost), and a cache that is
 * never evicted (still reachable, and growing with every request).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
  struct node *left, *right;
  char token[24];
} node;

typedef struct cache_entry {
  struct cache_entry *next;
  char key[32];
  char *value;
} cache_entry;

static cache_entry *cache; /* grows forever: nothing evicts */

static node *parse(const char *text, int depth) {
  node *n = calloc(1, sizeof *n);
  snprintf(n->token, sizeof n->token, "%.*s", 20, text);
  if (depth > 0) {
    n->left = parse(text + 1, depth - 1);
    n->right = parse(text + 2, depth - 1);
  }
  return n;
}

static void cache_put(const char *key, const char *value) {
  cache_entry *e = malloc(sizeof *e);
  snprintf(e->key, sizeof e->key, "%s", key);
  e->value = strdup(value);
  e->next = cache;
  cache = e;
}

static int handle_request(int id) {
  char *buffer = malloc(256);
  snprintf(buffer, 256, "request-%d payload with some text", id);
  node *tree = parse(buffer, 3);
  int checksum = tree->token[0] + tree->left->token[0];
  cache_put(buffer, tree->token);
  if (id % 10 == 7) return -1; /* error path: buffer and tree are forgotten */
  free(buffer);
  /* the tree is dropped without freeing its nodes when the id is odd */
  if (id % 2 == 0) {
    /* free the tree properly */
    node *stack[64];
    int top = 0;
    stack[top++] = tree;
    while (top > 0) {
      node *n = stack[--top];
      if (n->left) stack[top++] = n->left;
      if (n->right) stack[top++] = n->right;
      free(n);
    }
  }
  return checksum;
}

int main(void) {
  long total = 0;
  for (int i = 0; i < 20; i++) total += handle_request(i);
  printf("handled 20 requests, checksum %ld\n", total);
  return 0;
}
