/*
 * analyze/domtree.c: dominator trees and retained sizes (see analyze/domtree.h).
 *
 * The "simple" Lengauer-Tarjan algorithm (Lengauer and Tarjan, "A Fast
 * Algorithm for Finding Dominators in a Flowgraph", TOPLAS 1979): a DFS
 * numbers the reachable nodes; walking them in reverse preorder gives each
 * node its semidominator through a forest kept with eval/link and path
 * compression, and nodes waiting in their semidominator's bucket get a
 * tentative immediate dominator that a final preorder pass fixes up.
 * O(E log N).
 *
 * Heap graphs hold linked lists of millions of nodes, so neither the DFS
 * nor the path compression recurses: the DFS keeps an edge cursor per node
 * and climbs back up through the DFS parents, and compression collects the
 * path on an explicit stack.  After the DFS everything works on DFS numbers
 * (0 is the root); order[] maps them back to nodes, and the DFS numbers of
 * nodes live in idom[] until the last step turns them into dominators.
 */
#include "analyze/domtree.h"

#include <stdlib.h>
#include <string.h>

/* The link/eval forest, over DFS numbers. */
typedef struct {
  const uint32_t *semi; /* semidominator of each node */
  uint32_t *ancestor;   /* parent in the forest, DOMTREE_NONE at a tree root */
  uint32_t *label;      /* node of smallest semi on the compressed path above */
  uint32_t *stack;      /* scratch for domtree_compress, one entry per node */
} domtree_forest;

/* Compress the forest path above v so that every node on it points at the
 * node just below the tree root, carrying the smallest-semi label along. */
static void domtree_compress(domtree_forest *f, uint32_t v) {
  uint32_t sp = 0;
  while (f->ancestor[f->ancestor[v]] != DOMTREE_NONE) {
    f->stack[sp++] = v;
    v = f->ancestor[v];
  }
  /* Top down: the node nearest the tree root is finished first. */
  while (sp > 0) {
    uint32_t x = f->stack[--sp], a = f->ancestor[x];
    if (f->semi[f->label[a]] < f->semi[f->label[x]]) f->label[x] = f->label[a];
    f->ancestor[x] = f->ancestor[a];
  }
}

/* The node of smallest semi on the forest path from v up to (not including)
 * its tree root; v itself when v is a tree root. */
static uint32_t domtree_eval(domtree_forest *f, uint32_t v) {
  if (f->ancestor[v] == DOMTREE_NONE) return v;
  domtree_compress(f, v);
  return f->label[v];
}

int domtree_compute(uint32_t n, const uint64_t *out_start, const uint32_t *out_to, uint32_t root,
                    uint32_t *idom, uint32_t *order, uint32_t *norder) {
  *norder = 0;
  for (uint32_t v = 0; v < n; v++) idom[v] = DOMTREE_NONE;
  if (root >= n) return 0;

  int rc = -1;
  size_t sz = n;
  uint32_t *parent = malloc(sz * sizeof *parent);
  uint32_t *semi = malloc(sz * sizeof *semi);
  uint32_t *ancestor = malloc(sz * sizeof *ancestor);
  uint32_t *label = malloc(sz * sizeof *label);
  uint32_t *dom = malloc(sz * sizeof *dom);
  uint32_t *bucket = malloc(sz * sizeof *bucket); /* first node whose semi is this one */
  uint32_t *next = malloc(sz * sizeof *next);     /* next node in the same bucket */
  uint32_t *stack = malloc(sz * sizeof *stack);
  uint64_t *pos = malloc((sz + 2) * sizeof *pos); /* DFS edge cursors, then predecessor offsets */
  uint32_t *pred = NULL;
  if (!parent || !semi || !ancestor || !label || !dom || !bucket || !next || !stack || !pos)
    goto out;

  /* Iterative DFS: cur is the DFS number of the node being expanded. */
  uint32_t *dfn = idom;
  uint32_t cnt = 1, cur = 0;
  dfn[root] = 0;
  order[0] = root;
  parent[0] = DOMTREE_NONE;
  pos[0] = out_start[root];
  while (cur != DOMTREE_NONE) {
    uint32_t v = order[cur];
    if (pos[cur] >= out_start[v + 1]) {
      cur = parent[cur];
      continue;
    }
    uint32_t w = out_to[pos[cur]++];
    if (dfn[w] != DOMTREE_NONE) continue;
    dfn[w] = cnt;
    order[cnt] = w;
    parent[cnt] = cur;
    pos[cnt] = out_start[w];
    cur = cnt++;
  }

  /* Predecessors of each DFS number, from reachable nodes only, in CSR form: those of w are
   * pred[pos[w] .. pos[w+1]-1].  Edges into the root and self-loops never change a semi, so
   * they are left out. */
  memset(pos, 0, ((size_t)cnt + 2) * sizeof *pos);
  for (uint32_t i = 0; i < cnt; i++) {
    uint32_t v = order[i];
    for (uint64_t e = out_start[v]; e < out_start[v + 1]; e++) {
      uint32_t j = dfn[out_to[e]];
      if (j != 0 && j != i) pos[(size_t)j + 2]++;
    }
  }
  for (size_t j = 2; j < (size_t)cnt + 2; j++) pos[j] += pos[j - 1];
  uint64_t npred = pos[(size_t)cnt + 1];
  if (npred > SIZE_MAX / sizeof *pred) goto out;
  pred = malloc((npred ? npred : 1) * sizeof *pred);
  if (pred == NULL) goto out;
  for (uint32_t i = 0; i < cnt; i++) {
    uint32_t v = order[i];
    for (uint64_t e = out_start[v]; e < out_start[v + 1]; e++) {
      uint32_t j = dfn[out_to[e]];
      if (j != 0 && j != i) pred[pos[(size_t)j + 1]++] = i;
    }
  }

  /* Semidominators in reverse preorder; a node's bucket is emptied once its DFS child has been
   * linked, which is when every node with that semidominator has been seen. */
  domtree_forest f = {semi, ancestor, label, stack};
  for (uint32_t i = 0; i < cnt; i++) {
    semi[i] = label[i] = i;
    ancestor[i] = bucket[i] = DOMTREE_NONE;
  }
  for (uint32_t w = cnt - 1; w > 0; w--) {
    for (uint64_t e = pos[w]; e < pos[(size_t)w + 1]; e++) {
      uint32_t u = domtree_eval(&f, pred[e]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    next[w] = bucket[semi[w]];
    bucket[semi[w]] = w;
    uint32_t p = parent[w];
    ancestor[w] = p;
    for (uint32_t v = bucket[p]; v != DOMTREE_NONE; v = next[v]) {
      uint32_t u = domtree_eval(&f, v);
      dom[v] = semi[u] < semi[v] ? u : p;
    }
    bucket[p] = DOMTREE_NONE;
  }
  dom[0] = 0;
  for (uint32_t w = 1; w < cnt; w++)
    if (dom[w] != semi[w]) dom[w] = dom[dom[w]];

  for (uint32_t v = 0; v < n; v++)
    if (dfn[v] != DOMTREE_NONE) idom[v] = order[dom[dfn[v]]];
  *norder = cnt;
  rc = 0;
out:
  if (rc != 0)
    for (uint32_t v = 0; v < n; v++) idom[v] = DOMTREE_NONE;
  free(parent);
  free(semi);
  free(ancestor);
  free(label);
  free(dom);
  free(bucket);
  free(next);
  free(stack);
  free(pos);
  free(pred);
  return rc;
}

void domtree_retained(uint32_t n, const uint32_t *idom, const uint32_t *order, uint32_t norder,
                      const uint64_t *own, uint64_t *retained) {
  memset(retained, 0, (size_t)n * sizeof *retained);
  for (uint32_t i = 0; i < norder; i++) retained[order[i]] = own[order[i]];
  for (uint32_t i = norder; i-- > 0;) {
    uint32_t v = order[i];
    if (idom[v] != v) retained[idom[v]] += retained[v];
  }
}
