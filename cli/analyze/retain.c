/*
 * analyze/retain.c: retention analysis, "who holds this memory", for the still
 * reachable blocks of a full-mode exit snapshot.
 *
 * The agent's graph (model/snapshot.h, snap_graph) has the reachable blocks, the
 * start pointers between them and the root words holding them.  Root words
 * are grouped into named roots: a global variable (the data symbol holding
 * the word), a module's other data, a thread-local variable of one thread
 * (the module's static TLS block below that thread's pointer, and the TLS
 * symbol), a thread's stack or registers, an anonymous mapping, the agent's
 * internal blocks.  Over blocks + roots + one
 * artificial top node that points at every root, the dominator tree
 * (analyze/domtree.c) says what each root and each block alone keeps alive: its
 * retained bytes, as Eclipse MAT defines them for Java heaps.  The result:
 *   roots      by retained bytes (what freeing the variable would free);
 *   retainers  the blocks held straight from the roots (the dominator
 *              tree's top level), grouped by root and allocation stack,
 *              with the shortest pointer path to the one retaining most;
 *   sites      allocation stacks by the bytes their blocks retain, a block
 *              under another block of the same stack counted once;
 *   held       per allocation stack, the root whose subtree holds its
 *              blocks and how many (sample mode: estimated from the sampled
 *              blocks, each weighed by 1/P(sampled); the live retention
 *              snapshot of a sample-mode target has every block in use,
 *              the unsampled ones without a stack);
 *   chain      if asked, the shortest pointer path from a root to the
 *              block holding one address (gdb's "who points at it").
 */
#include "analyze/retain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/domtree.h"
#include "analyze/symbolize.h"
#include "util/hmap.h"
#include "util/text.h"
#include "util/vec.h"

#define RETAIN_KEEP_RETAINERS 50 /* kept in the snapshot (and a report) */
#define RETAIN_KEEP_SITES 50
#define RETAIN_NONE UINT32_MAX

/* A named root while grouping: its identity and what it is called. */
typedef struct {
  char kind;        /* g global, d data, t tls, s stack, r registers, a anonymous, i internal */
  uint64_t k1, k2;  /* identity within the kind */
  snap_rroot root;
} retain_group;

typedef struct {
  snapshot *snap;
  const snap_graph *g;
  sym_data *syms;
  retain_group *groups;
  uint32_t ngroups;
  size_t cap_groups;
  hmap index;      /* a group's identity (kind, k1, k2) -> the group */
  uint32_t *root_group; /* per graph root line: its group */
  uint64_t tls_below;   /* the largest module TLS offset: every static TLS block lies in
                         * [tp - tls_below, tp) of its thread */
  int want_chain;       /* retain_compute_for was given an address */
  uint64_t chain_address;
} retain_ctx;

/* A group being looked up: its identity. */
typedef struct {
  const retain_ctx *c;
  char kind;
  uint64_t k1, k2;
} retain_group_key;

static int retain_group_is(const void *ctx, uint64_t group) {
  const retain_group_key *k = ctx;
  const retain_group *gr = &k->c->groups[group];
  return gr->kind == k->kind && gr->k1 == k->k1 && gr->k2 == k->k2;
}

/* The group (kind, k1, k2), made on first use by name_it; RETAIN_NONE when
 * out of memory. */
static uint32_t retain_group_of(retain_ctx *c, char kind, uint64_t k1, uint64_t k2,
                                void (*name_it)(retain_ctx *, retain_group *)) {
  retain_group_key key = {c, kind, k1, k2};
  uint64_t hash = hmap_mix((uint64_t)kind ^ hmap_mix(k1) ^ k2 * 31), found;
  if (hmap_find(&c->index, hash, retain_group_is, &key, &found)) return (uint32_t)found;
  if (vec_reserve(&c->groups, &c->cap_groups, (size_t)c->ngroups + 1, sizeof *c->groups) != 0)
    return RETAIN_NONE;
  retain_group *gr = &c->groups[c->ngroups];
  memset(gr, 0, sizeof *gr);
  gr->kind = kind;
  gr->k1 = k1;
  gr->k2 = k2;
  name_it(c, gr);
  if (gr->root.name == NULL || hmap_add(&c->index, hash, c->ngroups) != 0) return RETAIN_NONE;
  return c->ngroups++;
}

/* A display name in the snapshot's arena. */
static const char *retain_name(retain_ctx *c, const char *fmt, const char *a, uint64_t n1, uint64_t n2) {
  char buf[1024];
  snprintf(buf, sizeof buf, fmt, a, (unsigned long long)n1, (unsigned long long)n2);
  return snap_str(c->snap, buf);
}

static void retain_name_group(retain_ctx *c, retain_group *gr) {
  snap_rroot *r = &gr->root;
  switch (gr->kind) {
  case 'g': {
    r->kind = "global";
    r->symbol = (const char *)(uintptr_t)gr->k2;
    r->object = c->snap->modules[gr->k1].path;
    char buf[1024];
    /* gcc names a function's static variable NAME.N */
    const char *dot = strrchr(r->symbol, '.');
    size_t digits = dot ? strspn(dot + 1, "0123456789") : 0;
    if (dot != NULL && dot > r->symbol && digits > 0 && dot[1 + digits] == '\0')
      snprintf(buf, sizeof buf, "static %.*s (%s)", (int)(dot - r->symbol), r->symbol,
               text_basename(r->object ? r->object : "?"));
    else
      snprintf(buf, sizeof buf, "global %s (%s)", r->symbol, text_basename(r->object ? r->object : "?"));
    r->name = snap_str(c->snap, buf);
    break;
  }
  case 't': {
    r->kind = "tls";
    r->tid = (int)(gr->k1 >> 32);
    r->symbol = (const char *)(uintptr_t)gr->k2;
    r->object = c->snap->modules[gr->k1 & 0xffffffffu].path;
    char buf[1024];
    const char *main_thread = r->tid == c->snap->pid ? "the main " : "";
    if (r->symbol != NULL)
      snprintf(buf, sizeof buf, "TLS variable %s of %sthread %d (%s)", r->symbol, main_thread, r->tid,
               text_basename(r->object ? r->object : "?"));
    else
      snprintf(buf, sizeof buf, "TLS of %sthread %d (%s)", main_thread, r->tid, text_basename(r->object ? r->object : "?"));
    r->name = snap_str(c->snap, buf);
    break;
  }
  case 'd':
    r->kind = "data";
    r->object = c->snap->modules[gr->k1].path;
    r->name = retain_name(c, "data of %s", text_basename(r->object ? r->object : "?"), 0, 0);
    break;
  case 's':
    r->kind = "stack";
    r->tid = (int)gr->k1;
    r->name = gr->k1 == (uint64_t)c->snap->pid
                  ? retain_name(c, "%sstack of the main thread %llu", "", gr->k1, 0)
                  : retain_name(c, "%sstack of thread %llu", "", gr->k1, 0);
    break;
  case 'r':
    r->kind = "registers";
    r->tid = (int)gr->k1;
    r->name = retain_name(c, "%sregisters of thread %llu", "", gr->k1, 0);
    break;
  case 'a':
    r->kind = "anonymous";
    r->name = retain_name(c, "%sanonymous mapping 0x%llx-0x%llx", "", gr->k1, gr->k2);
    break;
  default:
    r->kind = "internal";
    r->name = snap_str(c->snap, "blocks allocated inside the agent (ld.so, libunwind)");
    break;
  }
}

/* A thread-local variable holding address a, RETAIN_NONE if a is in no
 * thread's static TLS. */
static uint32_t retain_group_for_tls(retain_ctx *c, uint64_t a) {
  const snap_graph *g = c->g;
  for (uint32_t t = 0; t < g->nthreads; t++) {
    uint64_t tp = g->threads[t].tp;
    if (tp == 0 || a >= tp || tp - a > c->tls_below) continue; /* not this thread's static TLS */
    for (uint32_t m = 0; m < c->snap->nmodules; m++) {
      const snap_module *mod = &c->snap->modules[m];
      if (mod->tls_size == 0 || mod->tls_offset > tp) continue;
      uint64_t block = tp - mod->tls_offset;
      if (a < block || a - block >= mod->tls_size) continue;
      uint64_t offset;
      const char *sym = c->syms ? symbolize_tls_lookup(c->syms, (int32_t)m, a - block, &offset) : NULL;
      uint64_t who = (uint64_t)(uint32_t)g->threads[t].tid << 32 | m;
      return retain_group_of(c, 't', who, (uint64_t)(uintptr_t)sym, retain_name_group);
    }
  }
  return RETAIN_NONE;
}

/* The named root holding a root word at address a. */
static uint32_t retain_group_for_word(retain_ctx *c, uint64_t a) {
  const snap_graph *g = c->g;
  uint32_t tls = retain_group_for_tls(c, a);
  if (tls != RETAIN_NONE) return tls;
  for (uint32_t t = 0; t < g->nthreads; t++)
    if (a >= g->threads[t].lo && a < g->threads[t].hi)
      return retain_group_of(c, 's', (uint64_t)g->threads[t].tid, 0, retain_name_group);
  for (uint32_t m = 0; m < c->snap->nmodules; m++) {
    const snap_module *mod = &c->snap->modules[m];
    if (a < mod->data_start || a >= mod->data_end) continue;
    uint64_t offset;
    const char *sym = c->syms ? symbolize_data_lookup(c->syms, (int32_t)m, a, &offset) : NULL;
    if (sym != NULL) return retain_group_of(c, 'g', m, (uint64_t)(uintptr_t)sym, retain_name_group);
    return retain_group_of(c, 'd', m, 0, retain_name_group);
  }
  for (uint32_t i = 0; i < g->nregions; i++) {
    const snap_gregion *r = &g->regions[i];
    if (a >= r->start && a < r->end)
      return retain_group_of(c, 'a', r->start, r->end, retain_name_group);
  }
  return retain_group_of(c, 'a', a & ~(uint64_t)4095, (a & ~(uint64_t)4095) + 4096, retain_name_group);
}

static uint32_t retain_group_for_root(retain_ctx *c, const snap_groot *r) {
  if (r->kind == SNAP_ROOT_REGISTER) return retain_group_of(c, 'r', r->where, 0, retain_name_group);
  if (r->kind == SNAP_ROOT_INTERNAL) return retain_group_of(c, 'i', 0, 0, retain_name_group);
  return retain_group_for_word(c, r->where);
}

/* The whole graph for the dominator tree: blocks 0..N-1, named roots
 * N..N+G-1, the top node N+G. */
typedef struct {
  uint32_t n, top;
  uint64_t *first;
  uint32_t *to;
} retain_graph;

static int retain_build_graph(retain_ctx *c, retain_graph *rg) {
  const snap_graph *g = c->g;
  uint32_t nb = g->nnodes;
  rg->n = nb + c->ngroups + 1;
  rg->top = nb + c->ngroups;
  uint64_t nedges = g->nedges + g->nroots + c->ngroups;
  rg->first = calloc((size_t)rg->n + 1, sizeof *rg->first);
  rg->to = malloc((nedges ? nedges : 1) * sizeof *rg->to);
  if (rg->first == NULL || rg->to == NULL) return -1;
  for (uint32_t v = 0; v < nb; v++) rg->first[v + 1] = g->first[v + 1] - g->first[v];
  for (uint64_t i = 0; i < g->nroots; i++) rg->first[nb + c->root_group[i] + 1]++;
  rg->first[rg->top + 1] = c->ngroups;
  for (uint32_t v = 0; v < rg->n; v++) rg->first[v + 1] += rg->first[v];
  memcpy(rg->to, g->to, g->nedges * sizeof *rg->to); /* blocks come first, same rows */
  uint64_t *fill = malloc(((size_t)c->ngroups + 1) * sizeof *fill);
  if (fill == NULL) return -1;
  for (uint32_t k = 0; k < c->ngroups; k++) fill[k] = rg->first[nb + k];
  for (uint64_t i = 0; i < g->nroots; i++) rg->to[fill[c->root_group[i]]++] = g->roots[i].node;
  free(fill);
  for (uint32_t k = 0; k < c->ngroups; k++) rg->to[rg->first[rg->top] + k] = nb + k;
  return 0;
}

/* Shortest pointer paths from the top: parent[v] for every reached node. */
static int retain_bfs(const retain_graph *rg, uint32_t *parent) {
  uint32_t *queue = malloc((size_t)rg->n * sizeof *queue);
  if (queue == NULL) return -1;
  for (uint32_t v = 0; v < rg->n; v++) parent[v] = RETAIN_NONE;
  uint32_t head = 0, tail = 0;
  parent[rg->top] = rg->top;
  queue[tail++] = rg->top;
  while (head < tail) {
    uint32_t v = queue[head++];
    for (uint64_t e = rg->first[v]; e < rg->first[v + 1]; e++) {
      uint32_t w = rg->to[e];
      if (parent[w] != RETAIN_NONE) continue;
      parent[w] = v;
      queue[tail++] = w;
    }
  }
  free(queue);
  return 0;
}

/* Group indices by their root's retained bytes, largest first. */
static int retain_by_bytes_group(const void *pa, const void *pb, void *arg) {
  const retain_ctx *c = arg;
  const snap_rroot *a = &c->groups[*(const uint32_t *)pa].root, *b = &c->groups[*(const uint32_t *)pb].root;
  if (a->retained_bytes != b->retained_bytes) return a->retained_bytes > b->retained_bytes ? -1 : 1;
  return strcmp(a->name, b->name);
}

/* A block held straight from a root, with its graph node. */
typedef struct {
  snap_retainer r;
  uint32_t node;
} retain_candidate;

static int retain_by_root_and_stack(const void *pa, const void *pb) {
  const retain_candidate *a = pa, *b = pb;
  if (a->r.root != b->r.root) return a->r.root < b->r.root ? -1 : 1;
  if (a->r.stack != b->r.stack) return a->r.stack < b->r.stack ? -1 : 1;
  if (a->r.retained_bytes != b->r.retained_bytes) return a->r.retained_bytes > b->r.retained_bytes ? -1 : 1;
  return a->r.address < b->r.address ? -1 : a->r.address > b->r.address;
}

static int retain_by_bytes_retainer(const void *pa, const void *pb) {
  const snap_retainer *a = &((const retain_candidate *)pa)->r, *b = &((const retain_candidate *)pb)->r;
  if (a->retained_bytes != b->retained_bytes) return a->retained_bytes > b->retained_bytes ? -1 : 1;
  if (a->root != b->root) return a->root < b->root ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* The root a node's shortest path starts at (its place in out->roots), -1
 * for the top itself. */
static int32_t retain_root_of(const retain_graph *rg, uint32_t nblocks, const uint32_t *parent,
                              const uint32_t *root_index, uint32_t v) {
  while (v < nblocks) v = parent[v];
  return v < rg->top ? (int32_t)root_index[v - nblocks] : -1;
}

static int retain_by_bytes_site(const void *pa, const void *pb) {
  const snap_rsite *a = pa, *b = pb;
  if (a->retained_bytes != b->retained_bytes) return a->retained_bytes > b->retained_bytes ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* What a block of the held table counts for: 1 block of its bytes, or in
 * sample mode a sampled block's weight 1/(1 - exp(-bytes/R)) (an
 * unsampled block, whose stack has no frames, counts for nothing: the
 * samples stand for it). */
static double retain_weight(const snapshot *snap, const snap_gnode *node) {
  if (snap->sample_interval <= 1) return 1.0;
  if (snap->stacks[node->stack].nlocs == 0 || node->bytes == 0) return 0.0;
  double p = -expm1(-(double)node->bytes / (double)snap->sample_interval);
  return p > 0 ? 1.0 / p : 0.0;
}

typedef struct {
  int32_t root;
  uint32_t stack;
  double blocks, bytes;
} retain_held_acc;

static int retain_by_root_then_stack(const void *pa, const void *pb) {
  const retain_held_acc *a = pa, *b = pb;
  if (a->stack != b->stack) return a->stack < b->stack ? -1 : 1;
  return a->root < b->root ? -1 : a->root > b->root;
}

static int retain_by_stack_then_bytes(const void *pa, const void *pb) {
  const snap_rheld *a = pa, *b = pb;
  if (a->stack != b->stack) return a->stack < b->stack ? -1 : 1;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return a->root < b->root ? -1 : a->root > b->root;
}

/* Held: for each block, the root whose subtree it is in (the top-level
 * block above it has that root as immediate dominator, or the top:
 * several roots), summed by (stack, root). */
static int retain_fill_held(retain_ctx *c, const retain_graph *rg, const uint32_t *idom, const uint32_t *order,
                            uint32_t norder, const uint32_t *root_index, snap_retention *out) {
  const snap_graph *g = c->g;
  uint32_t *under = malloc(((size_t)rg->n + 1) * sizeof *under); /* a block's root node, or the top */
  retain_held_acc *acc = malloc(((size_t)g->nnodes + 1) * sizeof *acc);
  if (under == NULL || acc == NULL) {
    free(under);
    free(acc);
    return -1;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < norder; i++) {
    uint32_t v = order[i];
    if (v >= g->nnodes) continue;
    under[v] = idom[v] >= g->nnodes ? idom[v] : under[idom[v]]; /* preorder: the dominator first */
    double w = retain_weight(c->snap, &g->nodes[v]);
    if (w == 0.0) continue;
    int32_t root = under[v] < rg->top ? (int32_t)root_index[under[v] - g->nnodes] : -1;
    acc[n++] = (retain_held_acc){root, g->nodes[v].stack, w, w * (double)g->nodes[v].bytes};
  }
  qsort(acc, n, sizeof *acc, retain_by_root_then_stack);
  uint32_t groups = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (groups > 0 && acc[groups - 1].root == acc[i].root && acc[groups - 1].stack == acc[i].stack) {
      acc[groups - 1].blocks += acc[i].blocks;
      acc[groups - 1].bytes += acc[i].bytes;
    } else {
      acc[groups++] = acc[i];
    }
  }
  out->nheld = groups;
  out->held = snap_alloc(c->snap, (groups ? groups : 1) * sizeof *out->held);
  if (out->held != NULL)
    for (uint32_t i = 0; i < groups; i++)
      out->held[i] = (snap_rheld){acc[i].root, acc[i].stack, (uint64_t)(acc[i].blocks + 0.5),
                                  (uint64_t)(acc[i].bytes + 0.5)};
  free(under);
  free(acc);
  if (out->held == NULL) return -1;
  qsort(out->held, out->nheld, sizeof *out->held, retain_by_stack_then_bytes);
  return 0;
}

/* The reachable block holding address a (nodes are in address order), or
 * RETAIN_NONE. */
static uint32_t retain_node_at(const snap_graph *g, uint64_t a) {
  uint32_t lo = 0, hi = g->nnodes;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (g->nodes[mid].address <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return RETAIN_NONE;
  const snap_gnode *n = &g->nodes[lo - 1];
  return a - n->address < (n->bytes ? n->bytes : 1) ? lo - 1 : RETAIN_NONE;
}

/* The shortest path (parent[]: the BFS from the top) from a root to the
 * block v, the block last; 0 or -1 (out of memory). */
static int retain_path_to(retain_ctx *c, const retain_graph *rg, const uint32_t *parent,
                          const uint32_t *root_index, uint32_t v, snap_retainer *r) {
  const snap_graph *g = c->g;
  uint32_t len = 0;
  for (uint32_t u = v; u < g->nnodes; u = parent[u]) len++;
  r->path_root = retain_root_of(rg, g->nnodes, parent, root_index, v);
  r->npath = len;
  r->path = snap_alloc(c->snap, (len ? len : 1) * sizeof *r->path);
  if (r->path == NULL) return -1;
  uint32_t u = v;
  for (uint32_t j = len; j-- > 0; u = parent[u])
    r->path[j] = (snap_rstep){g->nodes[u].address, g->nodes[u].bytes, g->nodes[u].stack};
  return 0;
}

/* The chain to the block holding the asked address, when it is reachable. */
static int retain_fill_chain(retain_ctx *c, const retain_graph *rg, const uint32_t *idom, const uint64_t *rbytes,
                             const uint64_t *rblocks, const uint32_t *parent, const uint32_t *root_index,
                             snap_retention *out) {
  const snap_graph *g = c->g;
  out->chain_address = c->chain_address;
  uint32_t v = retain_node_at(g, c->chain_address);
  if (v == RETAIN_NONE || idom[v] == DOMTREE_NONE || parent[v] == RETAIN_NONE) return 0;
  const snap_gnode *node = &g->nodes[v];
  uint32_t top = v;
  while (idom[top] < g->nnodes) top = idom[top];
  int32_t root = idom[top] < rg->top ? (int32_t)root_index[idom[top] - g->nnodes] : -1;
  out->chain = (snap_retainer){root, node->stack, 1, node->bytes, rbytes[v], rblocks[v], node->address, -1, NULL, 0};
  if (retain_path_to(c, rg, parent, root_index, v, &out->chain) != 0) return -1;
  out->has_chain = 1;
  return 0;
}

/* The retainers: blocks whose immediate dominator is a root (or the top),
 * with their paths; the largest RETAIN_KEEP_RETAINERS kept. */
static int retain_fill_retainers(retain_ctx *c, const retain_graph *rg, const uint32_t *idom,
                                 const uint64_t *rbytes, const uint64_t *rblocks,
                                 const uint32_t *parent, const uint32_t *root_index,
                                 snap_retention *out) {
  const snap_graph *g = c->g;
  uint32_t n = 0;
  for (uint32_t v = 0; v < g->nnodes; v++) n += idom[v] != DOMTREE_NONE && idom[v] >= g->nnodes;
  retain_candidate *all = malloc((n ? n : 1) * sizeof *all);
  if (all == NULL) return -1;
  uint32_t k = 0;
  for (uint32_t v = 0; v < g->nnodes; v++) {
    if (idom[v] == DOMTREE_NONE || idom[v] < g->nnodes) continue;
    const snap_gnode *node = &g->nodes[v];
    int32_t root = idom[v] < rg->top ? (int32_t)root_index[idom[v] - g->nnodes] : -1;
    all[k].r = (snap_retainer){root, node->stack, 1, node->bytes, rbytes[v], rblocks[v], node->address, -1, NULL, 0};
    all[k++].node = v;
  }
  /* one group per (root, stack), led by its block retaining most */
  qsort(all, n, sizeof *all, retain_by_root_and_stack);
  uint32_t groups = 0;
  for (uint32_t i = 0; i < n; i++) {
    retain_candidate *lead = groups ? &all[groups - 1] : NULL;
    if (lead != NULL && lead->r.root == all[i].r.root && lead->r.stack == all[i].r.stack) {
      lead->r.blocks++;
      lead->r.bytes += all[i].r.bytes;
      lead->r.retained_bytes += all[i].r.retained_bytes;
      lead->r.retained_blocks += all[i].r.retained_blocks;
    } else {
      all[groups++] = all[i];
    }
  }
  n = groups;
  qsort(all, n, sizeof *all, retain_by_bytes_retainer);
  out->nretainers = n < RETAIN_KEEP_RETAINERS ? n : RETAIN_KEEP_RETAINERS;
  out->retainers = snap_alloc(c->snap, (out->nretainers ? out->nretainers : 1) * sizeof *out->retainers);
  if (out->retainers == NULL) {
    free(all);
    return -1;
  }
  for (uint32_t i = 0; i < out->nretainers; i++) {
    snap_retainer *r = &out->retainers[i];
    *r = all[i].r;
    if (retain_path_to(c, rg, parent, root_index, all[i].node, r) != 0) {
      free(all);
      return -1;
    }
  }
  free(all);
  return 0;
}

/* Sites: walk the dominator tree keeping, per stack, how many blocks of
 * that stack are on the way down; a block with none above is a top block
 * of its site and adds its retained totals. */
static int retain_fill_sites(retain_ctx *c, const retain_graph *rg, const uint32_t *idom,
                             const uint32_t *order, uint32_t norder, const uint64_t *rbytes,
                             const uint64_t *rblocks, snap_retention *out) {
  const snap_graph *g = c->g;
  uint32_t nstacks = c->snap->nstacks;
  uint64_t *kid_first = calloc((size_t)rg->n + 1, sizeof *kid_first);
  uint32_t *kids = malloc((size_t)rg->n * sizeof *kids);
  uint32_t *active = calloc((size_t)nstacks + 1, sizeof *active);
  snap_rsite *sites = calloc((size_t)nstacks + 1, sizeof *sites);
  uint32_t *walk = malloc((size_t)rg->n * sizeof *walk); /* node, or ~node when leaving it */
  int rc = -1;
  if (kid_first == NULL || kids == NULL || active == NULL || sites == NULL || walk == NULL) goto done;
  for (uint32_t i = 0; i < norder; i++) {
    uint32_t v = order[i];
    if (v != rg->top) kid_first[idom[v] + 1]++;
  }
  for (uint32_t v = 0; v < rg->n; v++) kid_first[v + 1] += kid_first[v];
  for (uint32_t i = 0; i < norder; i++) {
    uint32_t v = order[i];
    if (v != rg->top) kids[kid_first[idom[v]]++] = v;
  }
  for (uint32_t v = rg->n; v > 0; v--) kid_first[v] = kid_first[v - 1];
  kid_first[0] = 0;
  /* each node is pushed once as itself and once as its leaving mark, but
   * a node's leaving mark replaces it on the stack: n slots are enough */
  uint32_t top = 0;
  walk[top++] = rg->top;
  while (top > 0) {
    uint32_t x = walk[--top];
    if (x & 0x80000000u) {
      uint32_t v = x & 0x7fffffffu;
      active[g->nodes[v].stack]--;
      continue;
    }
    if (x < g->nnodes) {
      const snap_gnode *node = &g->nodes[x];
      snap_rsite *s = &sites[node->stack];
      s->stack = node->stack;
      s->blocks++;
      if (active[node->stack]++ == 0) {
        s->retained_bytes += rbytes[x];
        s->retained_blocks += rblocks[x];
      }
      walk[top++] = x | 0x80000000u;
    }
    for (uint64_t e = kid_first[x]; e < kid_first[x + 1]; e++) walk[top++] = kids[e];
  }
  uint32_t n = 0;
  for (uint32_t s = 0; s < nstacks; s++)
    if (sites[s].blocks) sites[n++] = sites[s];
  qsort(sites, n, sizeof *sites, retain_by_bytes_site);
  out->nsites = n < RETAIN_KEEP_SITES ? n : RETAIN_KEEP_SITES;
  out->sites = snap_alloc(c->snap, (out->nsites ? out->nsites : 1) * sizeof *out->sites);
  if (out->sites == NULL) goto done;
  memcpy(out->sites, sites, out->nsites * sizeof *out->sites);
  rc = 0;
done:
  free(kid_first);
  free(kids);
  free(active);
  free(sites);
  free(walk);
  return rc;
}

static int retain_analyze(retain_ctx *c, snap_retention *out) {
  const snap_graph *g = c->g;
  c->root_group = malloc((g->nroots ? g->nroots : 1) * sizeof *c->root_group);
  if (c->root_group == NULL) return -1;
  for (uint64_t i = 0; i < g->nroots; i++)
    if ((c->root_group[i] = retain_group_for_root(c, &g->roots[i])) == RETAIN_NONE) return -1;
  if (g->nnodes >= 0x7fffffffu - c->ngroups - 1) return -1; /* the walk's leaving marks need a bit */

  retain_graph rg = {0};
  uint32_t *idom = NULL, *order = NULL, *parent = NULL, *root_index = NULL, *by_size = NULL, norder = 0;
  uint64_t *own = NULL, *rbytes = NULL, *rblocks = NULL;
  int rc = -1;
  if (retain_build_graph(c, &rg) != 0) goto done;
  idom = malloc((size_t)rg.n * sizeof *idom);
  order = malloc((size_t)rg.n * sizeof *order);
  parent = malloc((size_t)rg.n * sizeof *parent);
  own = calloc((size_t)rg.n, sizeof *own);
  rbytes = malloc((size_t)rg.n * sizeof *rbytes);
  rblocks = malloc((size_t)rg.n * sizeof *rblocks);
  root_index = malloc(((size_t)c->ngroups + 1) * sizeof *root_index); /* group -> its place */
  by_size = malloc(((size_t)c->ngroups + 1) * sizeof *by_size);       /* place -> group */
  if (!idom || !order || !parent || !own || !rbytes || !rblocks || !root_index || !by_size) goto done;
  if (domtree_compute(rg.n, rg.first, rg.to, rg.top, idom, order, &norder) != 0) goto done;
  for (uint32_t v = 0; v < g->nnodes; v++) own[v] = g->nodes[v].bytes;
  domtree_retained(rg.n, idom, order, norder, own, rbytes);
  for (uint32_t v = 0; v < g->nnodes; v++) own[v] = 1;
  domtree_retained(rg.n, idom, order, norder, own, rblocks);
  if (retain_bfs(&rg, parent) != 0) goto done;

  for (uint32_t v = 0; v < g->nnodes; v++) {
    if (idom[v] == DOMTREE_NONE) continue;
    out->reachable_bytes += g->nodes[v].bytes;
    out->reachable_blocks++;
  }
  /* the roots, largest first; root_index maps a group to its place */
  out->nroots = c->ngroups;
  out->roots = snap_alloc(c->snap, (c->ngroups ? c->ngroups : 1) * sizeof *out->roots);
  if (out->roots == NULL) goto done;
  uint64_t rooted_bytes = 0, rooted_blocks = 0;
  for (uint32_t k = 0; k < c->ngroups; k++) {
    snap_rroot *r = &c->groups[k].root;
    r->retained_bytes = rbytes[g->nnodes + k];
    r->retained_blocks = rblocks[g->nnodes + k];
    rooted_bytes += r->retained_bytes;
    rooted_blocks += r->retained_blocks;
    by_size[k] = k;
  }
  qsort_r(by_size, c->ngroups, sizeof *by_size, retain_by_bytes_group, c);
  for (uint32_t i = 0; i < c->ngroups; i++) {
    out->roots[i] = c->groups[by_size[i]].root;
    root_index[by_size[i]] = i;
  }
  out->shared_bytes = out->reachable_bytes - rooted_bytes;
  out->shared_blocks = out->reachable_blocks - rooted_blocks;
  if (retain_fill_retainers(c, &rg, idom, rbytes, rblocks, parent, root_index, out) != 0) goto done;
  if (retain_fill_sites(c, &rg, idom, order, norder, rbytes, rblocks, out) != 0) goto done;
  if (retain_fill_held(c, &rg, idom, order, norder, root_index, out) != 0) goto done;
  if (c->want_chain && retain_fill_chain(c, &rg, idom, rbytes, rblocks, parent, root_index, out) != 0) goto done;
  rc = 0;
done:
  free(rg.first);
  free(rg.to);
  free(idom);
  free(order);
  free(parent);
  free(own);
  free(rbytes);
  free(rblocks);
  free(root_index);
  free(by_size);
  return rc;
}

int retain_compute(snapshot *snap, char *err, size_t errlen) { return retain_compute_for(snap, 0, 0, err, errlen); }

int retain_compute_for(snapshot *snap, int want_chain, uint64_t address, char *err, size_t errlen) {
  if (snap->graph == NULL) {
    snprintf(err, errlen, "no retention graph in this snapshot");
    return -1;
  }
  retain_ctx c = {.snap = snap, .g = snap->graph, .want_chain = want_chain, .chain_address = address};
  for (uint32_t m = 0; m < snap->nmodules; m++)
    if (snap->modules[m].tls_size != 0 && snap->modules[m].tls_offset > c.tls_below)
      c.tls_below = snap->modules[m].tls_offset;
  c.syms = symbolize_data_open(snap);
  snap_retention *out = snap_alloc(snap, sizeof *out);
  int rc = c.syms != NULL && out != NULL ? retain_analyze(&c, out) : -1;
  symbolize_data_close(c.syms);
  free(c.groups);
  hmap_free(&c.index);
  free(c.root_group);
  if (rc != 0) {
    snprintf(err, errlen, "retention analysis: out of memory");
    return -1;
  }
  snap->retention = out;
  return 0;
}
