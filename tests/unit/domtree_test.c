/*
 * domtree_test.c: unit test of cli/analyze/domtree.c.  It checks immediate
 * dominators and retained sizes on hand-made graphs (a diamond, a loop,
 * the example of the Lengauer-Tarjan paper, the irreducible example of
 * Cooper, Harvey and Kennedy, unreachable nodes, self-loops, duplicate
 * edges, edges into the root, an out-of-range root), then on a few hundred
 * random graphs against a naive reference (d dominates v iff v is not
 * reachable from the root once d is removed), then times 2,000,000-node
 * chains (plain, with shortcuts from the root, with back edges from the
 * tail) and a 1,000,000-node star.
 *
 * Usage: domtree_test [--small]   (--small shrinks the big graphs and the
 * number of random ones, for runs under valgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/domtree.h"

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      (*fails)++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
    }                                                      \
  } while (0)

#define NONE DOMTREE_NONE

/* A graph in the CSR form domtree_compute takes. */
typedef struct {
  uint32_t n;
  uint64_t *start; /* n + 1 entries */
  uint32_t *to;
} graph;

/* What domtree_compute and domtree_retained gave. */
typedef struct {
  uint32_t *idom, *order, norder;
  uint64_t *retained;
} result;

static void graph_free(graph *g) {
  free(g->start);
  free(g->to);
}

/* CSR from an edge list, keeping the edges of each node in list order. */
static int graph_from_edges(graph *g, uint32_t n, const uint32_t *src, const uint32_t *dst,
                            size_t m) {
  g->n = n;
  g->start = calloc((size_t)n + 1, sizeof *g->start);
  g->to = malloc((m ? m : 1) * sizeof *g->to);
  if (g->start == NULL || g->to == NULL) {
    graph_free(g);
    return -1;
  }
  for (size_t e = 0; e < m; e++) g->start[src[e] + 1]++;
  for (uint32_t v = 0; v < n; v++) g->start[v + 1] += g->start[v];
  uint64_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
  if (fill == NULL) {
    graph_free(g);
    return -1;
  }
  memcpy(fill, g->start, ((size_t)n + 1) * sizeof *fill);
  for (size_t e = 0; e < m; e++) g->to[fill[src[e]]++] = dst[e];
  free(fill);
  return 0;
}

static void result_free(result *r) {
  free(r->idom);
  free(r->order);
  free(r->retained);
}

/* Run both functions; -1 when out of memory. */
static int run(const graph *g, uint32_t root, const uint64_t *own, result *r) {
  size_t n = g->n ? g->n : 1;
  r->idom = malloc(n * sizeof *r->idom);
  r->order = malloc(n * sizeof *r->order);
  r->retained = malloc(n * sizeof *r->retained);
  r->norder = 0;
  if (r->idom == NULL || r->order == NULL || r->retained == NULL ||
      domtree_compute(g->n, g->start, g->to, root, r->idom, r->order, &r->norder) != 0) {
    result_free(r);
    return -1;
  }
  domtree_retained(g->n, r->idom, r->order, r->norder, own, r->retained);
  return 0;
}

/* Nodes reachable from root, skipping node skip (NONE to skip none), into seen[]
 * (1 = reached); queue has n entries. */
static void reach(const graph *g, uint32_t root, uint32_t skip, unsigned char *seen,
                  uint32_t *queue) {
  memset(seen, 0, g->n);
  if (root >= g->n || root == skip) return;
  uint32_t head = 0, tail = 0;
  seen[root] = 1;
  queue[tail++] = root;
  while (head < tail) {
    uint32_t v = queue[head++];
    for (uint64_t e = g->start[v]; e < g->start[v + 1]; e++) {
      uint32_t w = g->to[e];
      if (w != skip && !seen[w]) {
        seen[w] = 1;
        queue[tail++] = w;
      }
    }
  }
}

/* Checks that hold for every result, in O(n + E): idom is DOMTREE_NONE exactly for the
 * unreachable nodes, order lists each reachable node once, root first, every node after its
 * idom, and unreachable nodes retain 0.  Returns the number of failures. */
static int check_shape(const char *name, const graph *g, uint32_t root, const result *r) {
  int nfails = 0, *fails = &nfails;
  uint32_t n = g->n;
  unsigned char *seen = malloc(n ? n : 1);
  uint32_t *queue = malloc((n ? n : 1) * sizeof *queue);
  uint32_t *at = malloc((n ? n : 1) * sizeof *at); /* position in order */
  if (seen == NULL || queue == NULL || at == NULL) {
    CHECK(0, "%s: out of memory in the test", name);
    goto out;
  }
  reach(g, root, NONE, seen, queue);
  uint32_t nreach = 0;
  for (uint32_t v = 0; v < n; v++) {
    nreach += seen[v];
    at[v] = NONE;
  }
  CHECK(r->norder == nreach, "%s: norder %u, %u nodes reachable", name, r->norder, nreach);
  if (r->norder != nreach) goto out;
  if (nreach > 0) CHECK(r->order[0] == root, "%s: order[0] = %u, root %u", name, r->order[0], root);
  for (uint32_t i = 0; i < r->norder; i++) {
    uint32_t v = r->order[i];
    if (v >= n || !seen[v] || at[v] != NONE) {
      CHECK(0, "%s: order[%u] = %u is out of range, unreachable or repeated", name, i, v);
      goto out;
    }
    at[v] = i;
  }
  for (uint32_t v = 0; v < n; v++) {
    if (!seen[v]) {
      CHECK(r->idom[v] == NONE && r->retained[v] == 0,
            "%s: unreachable %u has idom %u, retained %llu", name, v, r->idom[v],
            (unsigned long long)r->retained[v]);
    } else if (v == root) {
      CHECK(r->idom[v] == root, "%s: idom[root %u] = %u", name, v, r->idom[v]);
    } else {
      uint32_t d = r->idom[v];
      CHECK(d < n && d != v && seen[d] && at[d] < at[v],
            "%s: idom[%u] = %u is not a reachable node listed before it", name, v, d);
    }
    if (nfails) goto out;
  }
out:
  free(seen);
  free(queue);
  free(at);
  return nfails;
}

/* order is a DFS preorder: simulate the DFS stack; a node popped must have no unvisited
 * successor left, and each new node must be a successor of the node on top.  O(n * E). */
static int check_preorder(const char *name, const graph *g, const result *r) {
  int nfails = 0, *fails = &nfails;
  uint32_t n = g->n;
  unsigned char *visited = calloc(n ? n : 1, 1);
  uint32_t *stack = malloc((n ? n : 1) * sizeof *stack);
  if (visited == NULL || stack == NULL) {
    CHECK(0, "%s: out of memory in the test", name);
    goto out;
  }
  uint32_t sp = 0;
  for (uint32_t i = 0; i < r->norder; i++) {
    uint32_t w = r->order[i];
    while (sp > 0) {
      uint32_t top = stack[sp - 1];
      int edge = 0, unvisited = 0;
      for (uint64_t e = g->start[top]; e < g->start[top + 1]; e++) {
        edge |= g->to[e] == w;
        unvisited |= !visited[g->to[e]];
      }
      if (edge) break;
      if (unvisited) {
        CHECK(0, "%s: order[%u] = %u, but %u still had unvisited successors", name, i, w, top);
        goto out;
      }
      sp--;
    }
    if (i > 0 && sp == 0) {
      CHECK(0, "%s: order[%u] = %u is no successor of a node on the DFS stack", name, i, w);
      goto out;
    }
    visited[w] = 1;
    stack[sp++] = w;
  }
out:
  free(visited);
  free(stack);
  return nfails;
}

/* Compare with the naive reference: d dominates v iff v is reachable but not once d is
 * removed; idom(v) is the strict dominator of v that has the most dominators itself (the
 * dominators of v form a chain); retained(v) sums own over the nodes v dominates. */
static int check_naive(const char *name, const graph *g, uint32_t root, const uint64_t *own,
                       const result *r) {
  int nfails = 0, *fails = &nfails;
  uint32_t n = g->n;
  size_t nn = n ? n : 1;
  unsigned char *dom = malloc(nn * nn); /* dom[d * n + v]: d dominates v */
  unsigned char *all = malloc(nn), *without = malloc(nn);
  uint32_t *queue = malloc(nn * sizeof *queue), *ndom = calloc(nn, sizeof *ndom);
  if (dom == NULL || all == NULL || without == NULL || queue == NULL || ndom == NULL) {
    CHECK(0, "%s: out of memory in the test", name);
    goto out;
  }
  reach(g, root, NONE, all, queue);
  for (uint32_t d = 0; d < n; d++) {
    reach(g, root, d, without, queue);
    for (uint32_t v = 0; v < n; v++) {
      dom[(size_t)d * n + v] = all[v] && !without[v];
      ndom[v] += dom[(size_t)d * n + v];
    }
  }
  for (uint32_t v = 0; v < n; v++) {
    uint32_t want = NONE;
    uint64_t keep = 0;
    if (all[v]) want = root;
    for (uint32_t d = 0; d < n; d++) {
      if (dom[(size_t)d * n + v] && d != v && ndom[d] > ndom[want]) want = d;
      if (dom[(size_t)v * n + d]) keep += own[d];
    }
    CHECK(r->idom[v] == want, "%s: idom[%u] = %u, naive %u", name, v, r->idom[v], want);
    CHECK(r->retained[v] == keep, "%s: retained[%u] = %llu, naive %llu", name, v,
          (unsigned long long)r->retained[v], (unsigned long long)keep);
    if (nfails) break;
  }
out:
  free(dom);
  free(all);
  free(without);
  free(queue);
  free(ndom);
  return nfails;
}

/* A hand-made graph: n nodes, edges as "from to" pairs, the expected idoms (NONE for
 * unreachable) and, if want_retained is not NULL, the expected retained sizes for own[v] =
 * 10^v. */
static int check_hand(const char *name, uint32_t n, const uint32_t (*edges)[2], size_t m,
                      uint32_t root, const uint32_t *want_idom, const uint64_t *want_retained) {
  int nfails = 0, *fails = &nfails;
  uint32_t src[64], dst[64];
  uint64_t own[20];
  graph g;
  result r;
  for (size_t e = 0; e < m; e++) {
    src[e] = edges[e][0];
    dst[e] = edges[e][1];
  }
  for (uint32_t v = 0, p = 1; v < 20; v++, p *= 10) own[v] = p;
  if (graph_from_edges(&g, n, src, dst, m) != 0) {
    CHECK(0, "%s: out of memory", name);
    return nfails;
  }
  if (run(&g, root, own, &r) != 0) {
    CHECK(0, "%s: out of memory", name);
    graph_free(&g);
    return nfails;
  }
  for (uint32_t v = 0; v < n; v++) {
    CHECK(r.idom[v] == want_idom[v], "%s: idom[%u] = %u, want %u", name, v, r.idom[v],
          want_idom[v]);
    if (want_retained)
      CHECK(r.retained[v] == want_retained[v], "%s: retained[%u] = %llu, want %llu", name, v,
            (unsigned long long)r.retained[v], (unsigned long long)want_retained[v]);
  }
  nfails += check_shape(name, &g, root, &r);
  nfails += check_preorder(name, &g, &r);
  nfails += check_naive(name, &g, root, own, &r);
  result_free(&r);
  graph_free(&g);
  return nfails;
}

static int test_hand(void) {
  int nfails = 0;
  static const uint32_t diamond[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
  static const uint32_t diamond_idom[] = {0, 0, 0, 0};
  static const uint64_t diamond_ret[] = {1111, 10, 100, 1000};
  nfails += check_hand("diamond", 4, diamond, 4, 0, diamond_idom, diamond_ret);

  /* A loop 1 -> 2 -> 3 -> 1 entered at 1, left from 3 and from 1. */
  static const uint32_t loop[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 1}, {3, 4}, {1, 4}};
  static const uint32_t loop_idom[] = {0, 0, 1, 2, 1};
  static const uint64_t loop_ret[] = {11111, 11110, 1100, 1000, 10000};
  nfails += check_hand("loop", 5, loop, 6, 0, loop_idom, loop_ret);

  /* Lengauer and Tarjan, figure 1: R A B C D E F G H I J K L are 0..12. */
  enum { R, A, B, C, D, E, F, G, H, I, J, K, L };
  static const uint32_t lt[][2] = {{R, A}, {R, B}, {R, C}, {A, D}, {B, A}, {B, D}, {B, E},
                                   {C, F}, {C, G}, {D, L}, {E, H}, {F, I}, {G, I}, {G, J},
                                   {H, E}, {H, K}, {I, K}, {J, I}, {K, I}, {K, R}, {L, H}};
  static const uint32_t lt_idom[] = {R, R, R, R, R, R, C, C, R, R, G, R, D};
  nfails += check_hand("lengauer-tarjan", 13, lt, sizeof lt / sizeof lt[0], R, lt_idom, NULL);

  /* Cooper, Harvey and Kennedy, figure 4 (irreducible): nodes 6..1 are 0..5, 6 the entry. */
  static const uint32_t chk[][2] = {{0, 1}, {0, 2}, {1, 5}, {2, 4}, {2, 3},
                                    {5, 4}, {4, 5}, {4, 3}, {3, 4}};
  static const uint32_t chk_idom[] = {0, 0, 0, 0, 0, 0};
  nfails += check_hand("cooper-harvey-kennedy", 6, chk, 9, 0, chk_idom, NULL);

  /* Unreachable nodes 4..7, one with an edge into a reachable node, one with an edge into the
   * root; a self-loop, a duplicate edge, an edge back into the root. */
  static const uint32_t unr[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {5, 3}, {5, 6}, {6, 5},
                                    {7, 0}, {3, 3}, {3, 1}, {2, 3}, {3, 0}, {6, 6}};
  static const uint32_t unr_idom[] = {0, 0, 0, 0, NONE, NONE, NONE, NONE};
  static const uint64_t unr_ret[] = {1111, 10, 100, 1000, 0, 0, 0, 0};
  nfails += check_hand("unreachable", 8, unr, 13, 0, unr_idom, unr_ret);

  /* The same with root 2: only 2, 3, 1 and then 0 (via 3 -> 0) are reachable. */
  static const uint32_t unr2_idom[] = {3, 3, 2, 2, NONE, NONE, NONE, NONE};
  static const uint64_t unr2_ret[] = {1, 10, 1111, 1011, 0, 0, 0, 0};
  nfails += check_hand("unreachable, root 2", 8, unr, 13, 2, unr2_idom, unr2_ret);

  /* One node: alone, with a self-loop twice. */
  static const uint32_t one[][2] = {{0, 0}, {0, 0}};
  static const uint32_t one_idom[] = {0};
  static const uint64_t one_ret[] = {1};
  nfails += check_hand("single node", 1, one, 0, 0, one_idom, one_ret);
  nfails += check_hand("single node, self-loops", 1, one, 2, 0, one_idom, one_ret);

  /* A root out of range: nothing is reachable. */
  static const uint32_t none3[] = {NONE, NONE, NONE};
  static const uint64_t zero3[] = {0, 0, 0};
  nfails += check_hand("root out of range", 3, diamond, 2, 3, none3, zero3);

  /* No nodes at all. */
  int *fails = &nfails;
  uint64_t start0 = 0;
  uint32_t norder = 123;
  CHECK(domtree_compute(0, &start0, NULL, 0, NULL, NULL, &norder) == 0 && norder == 0,
        "empty graph: norder %u", norder);
  return nfails;
}

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* count random graphs of 1..200 nodes: random edges of varied density, over a random tree or
 * chain or over nothing, so that both deep and bushy dominator trees come up. */
static int test_random(int count) {
  int nfails = 0, *fails = &nfails;
  uint64_t seed = 20240611;
  static const double degree[] = {0, 0.3, 0.7, 1, 1.5, 2, 3, 5, 10};
  uint32_t *src = malloc(4000 * sizeof *src), *dst = malloc(4000 * sizeof *dst);
  uint64_t *own = malloc(200 * sizeof *own);
  uint64_t total_edges = 0, total_reach = 0;
  if (src == NULL || dst == NULL || own == NULL) {
    CHECK(0, "random: out of memory in the test");
    goto out;
  }
  for (int k = 0; k < count && nfails == 0; k++) {
    uint32_t n = 1 + (uint32_t)(rng_next(&seed) % 200);
    int shape = (int)(rng_next(&seed) % 3); /* 0 random only, 1 random tree, 2 chain */
    double deg = degree[rng_next(&seed) % (sizeof degree / sizeof degree[0])];
    size_t m = 0, extra = (size_t)(deg * n);
    for (uint32_t v = 1; v < n && shape != 0; v++) {
      src[m] = shape == 1 ? (uint32_t)(rng_next(&seed) % v) : v - 1;
      dst[m++] = v;
    }
    for (size_t e = 0; e < extra; e++) {
      src[m] = (uint32_t)(rng_next(&seed) % n);
      dst[m++] = (uint32_t)(rng_next(&seed) % n);
    }
    /* Shuffle, so the tree edges are not always taken first. */
    for (size_t e = m; e > 1; e--) {
      size_t j = rng_next(&seed) % e;
      uint32_t s = src[e - 1], d = dst[e - 1];
      src[e - 1] = src[j], dst[e - 1] = dst[j];
      src[j] = s, dst[j] = d;
    }
    uint32_t root = rng_next(&seed) % 2 ? 0 : (uint32_t)(rng_next(&seed) % n);
    for (uint32_t v = 0; v < n; v++) own[v] = rng_next(&seed) >> 24;
    char name[64];
    snprintf(name, sizeof name, "random #%d (n %u, %zu edges, root %u)", k, n, m, root);
    graph g;
    result r;
    if (graph_from_edges(&g, n, src, dst, m) != 0) {
      CHECK(0, "%s: out of memory", name);
      break;
    }
    if (run(&g, root, own, &r) != 0) {
      CHECK(0, "%s: out of memory", name);
      graph_free(&g);
      break;
    }
    nfails += check_shape(name, &g, root, &r);
    if (nfails == 0) nfails += check_preorder(name, &g, &r);
    if (nfails == 0) nfails += check_naive(name, &g, root, own, &r);
    total_edges += m;
    total_reach += r.norder;
    result_free(&r);
    graph_free(&g);
  }
  printf("random: %d graphs, %llu edges, %llu reachable nodes\n", count,
         (unsigned long long)total_edges, (unsigned long long)total_reach);
out:
  free(src);
  free(dst);
  free(own);
  return nfails;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run and time a big graph, adding to *fails if it takes more than 10 s (which only a
 * super-linear slip would cause) or if check_shape fails.  -1 when out of memory. */
static int run_big(const char *name, const graph *g, uint32_t root, const uint64_t *own,
                   result *r, int *fails) {
  double t0 = now();
  if (run(g, root, own, r) != 0) {
    CHECK(0, "%s: out of memory", name);
    return -1;
  }
  double t = now() - t0;
  printf("%s: %u nodes, %llu edges: %.3f s\n", name, g->n, (unsigned long long)g->start[g->n], t);
  CHECK(t < 10, "%s took %.1f s", name, t);
  *fails += check_shape(name, g, root, r);
  return 0;
}

/* A chain 0 -> 1 -> ... -> n-1, plus, with extra 1, shortcuts 0 -> v for every v (listed after
 * 0 -> 1, so the DFS still goes down the chain and compression meets paths of n nodes), or,
 * with extra 2, back edges from n-1 to every node. */
static int test_chain(const char *name, uint32_t n, int extra) {
  int nfails = 0, *fails = &nfails;
  graph g = {n, NULL, NULL};
  result r;
  size_t m = (size_t)n - 1 + (extra ? (size_t)n - 2 : 0), e = 0;
  uint64_t *own = malloc((size_t)n * sizeof *own);
  g.start = malloc(((size_t)n + 1) * sizeof *g.start);
  g.to = malloc(m * sizeof *g.to);
  if (own == NULL || g.start == NULL || g.to == NULL) {
    CHECK(0, "%s: out of memory in the test", name);
    goto out;
  }
  for (uint32_t v = 0; v < n; v++) {
    g.start[v] = e;
    own[v] = v % 7 + 1;
    if (v + 1 < n) g.to[e++] = v + 1;
    if (extra == 1 && v == 0)
      for (uint32_t w = 2; w < n; w++) g.to[e++] = w;
    if (extra == 2 && v == n - 1)
      for (uint32_t w = 0; w < n - 2; w++) g.to[e++] = w;
  }
  g.start[n] = e;
  if (run_big(name, &g, 0, own, &r, fails) != 0) goto out;
  uint64_t below = 0;
  for (uint32_t v = n; v-- > 0;) {
    below += own[v];
    uint32_t want_idom = v == 0 ? 0 : extra == 1 ? 0 : v - 1;
    uint64_t want_ret = v == 0 || extra != 1 ? below : own[v];
    if (r.order[v] != v || r.idom[v] != want_idom || r.retained[v] != want_ret) {
      CHECK(0, "%s: node %u: order %u, idom %u (want %u), retained %llu (want %llu)", name, v,
            r.order[v], r.idom[v], want_idom, (unsigned long long)r.retained[v],
            (unsigned long long)want_ret);
      break;
    }
  }
  result_free(&r);
out:
  free(own);
  graph_free(&g);
  return nfails;
}

/* A star 0 -> v for every v, with edges back into the root from every other leaf. */
static int test_star(const char *name, uint32_t n) {
  int nfails = 0, *fails = &nfails;
  graph g = {n, NULL, NULL};
  result r;
  size_t m = (size_t)n - 1 + n / 2, e = 0;
  uint64_t *own = malloc((size_t)n * sizeof *own), total = 0;
  g.start = malloc(((size_t)n + 1) * sizeof *g.start);
  g.to = malloc(m * sizeof *g.to);
  if (own == NULL || g.start == NULL || g.to == NULL) {
    CHECK(0, "%s: out of memory in the test", name);
    goto out;
  }
  g.start[0] = 0;
  for (uint32_t w = 1; w < n; w++) g.to[e++] = w;
  for (uint32_t v = 0; v < n; v++) {
    own[v] = (uint64_t)v * 3 + 5;
    total += own[v];
    if (v > 0) {
      g.start[v] = e;
      if (v % 2 == 0) g.to[e++] = 0;
    }
  }
  g.start[n] = e;
  if (run_big(name, &g, 0, own, &r, fails) != 0) goto out;
  CHECK(r.retained[0] == total, "%s: root retains %llu, want %llu", name,
        (unsigned long long)r.retained[0], (unsigned long long)total);
  for (uint32_t v = 1; v < n; v++)
    if (r.idom[v] != 0 || r.retained[v] != own[v]) {
      CHECK(0, "%s: node %u: idom %u, retained %llu", name, v, r.idom[v],
            (unsigned long long)r.retained[v]);
      break;
    }
  result_free(&r);
out:
  free(own);
  graph_free(&g);
  return nfails;
}

int main(int argc, char **argv) {
  int small = argc > 1 && strcmp(argv[1], "--small") == 0;
  uint32_t chain = small ? 20000 : 2000000, star = small ? 10000 : 1000000;
  int nfails = 0;
  nfails += test_hand();
  nfails += test_random(small ? 150 : 400);
  nfails += test_chain("chain", chain, 0);
  nfails += test_chain("chain with shortcuts from the root", chain, 1);
  nfails += test_chain("chain with back edges from the tail", chain, 2);
  nfails += test_star("star", star);
  if (nfails) {
    printf("domtree_test: %d failures\n", nfails);
    return 1;
  }
  printf("domtree_test: all passed\n");
  return 0;
}
