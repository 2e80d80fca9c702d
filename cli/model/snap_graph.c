/*
 * model/snap_graph.c: the retention graph of a snapshot (model/snapshot.h): growable
 * arrays filled by the raw reader, then the edges sorted by source into
 * compressed rows, the form the dominator tree (analyze/domtree.c) walks.
 */
#include <stdlib.h>

#include "model/snapshot.h"
#include "util/vec.h"

int snap_graph_add_node(snap_graph *g, const snap_gnode *n) {
  if (g->nnodes == UINT32_MAX - 1 ||
      vec_reserve(&g->nodes, &g->cap_nodes, (size_t)g->nnodes + 1, sizeof *n) != 0)
    return -1;
  g->nodes[g->nnodes++] = *n;
  return 0;
}

int snap_graph_add_edge(snap_graph *g, uint32_t from, uint32_t to) {
  if (vec_reserve_pair(&g->from, sizeof *g->from, &g->to, sizeof *g->to, &g->cap_edges, g->nedges + 1) != 0)
    return -1;
  g->from[g->nedges] = from;
  g->to[g->nedges++] = to;
  return 0;
}

int snap_graph_add_root(snap_graph *g, const snap_groot *r) {
  if (vec_reserve(&g->roots, &g->cap_roots, g->nroots + 1, sizeof *r) != 0) return -1;
  g->roots[g->nroots++] = *r;
  return 0;
}

int snap_graph_add_region(snap_graph *g, const snap_gregion *r) {
  if (vec_reserve(&g->regions, &g->cap_regions, (size_t)g->nregions + 1, sizeof *r) != 0) return -1;
  g->regions[g->nregions++] = *r;
  return 0;
}

int snap_graph_add_thread(snap_graph *g, const snap_gthread *t) {
  if (vec_reserve(&g->threads, &g->cap_threads, (size_t)g->nthreads + 1, sizeof *t) != 0) return -1;
  g->threads[g->nthreads++] = *t;
  return 0;
}

int snap_graph_finish(snap_graph *g) {
  uint64_t *first = calloc((size_t)g->nnodes + 1, sizeof *first);
  uint32_t *to = malloc((g->nedges ? g->nedges : 1) * sizeof *to);
  if (first == NULL || to == NULL) {
    free(first);
    free(to);
    return -1;
  }
  for (uint64_t e = 0; e < g->nedges; e++) first[g->from[e] + 1]++;
  for (uint32_t v = 0; v < g->nnodes; v++) first[v + 1] += first[v];
  for (uint64_t e = 0; e < g->nedges; e++) to[first[g->from[e]]++] = g->to[e];
  for (uint32_t v = g->nnodes; v > 0; v--) first[v] = first[v - 1]; /* back to row starts */
  first[0] = 0;
  free(g->from);
  free(g->to);
  g->from = NULL;
  g->to = to;
  g->first = first;
  return 0;
}

void snap_graph_free(snap_graph *g) {
  if (g == NULL) return;
  free(g->nodes);
  free(g->from);
  free(g->to);
  free(g->first);
  free(g->roots);
  free(g->regions);
  free(g->threads);
  free(g);
}
