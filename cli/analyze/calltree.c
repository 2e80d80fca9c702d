/*
 * analyze/calltree.c: a snapshot's stacks merged into a call tree (see
 * analyze/calltree.h): each stack walked from its outermost frame, each
 * inlined function a frame of its own, a frame's children found by name
 * through a table of (parent, name), then every node's children sorted.
 */
#include "analyze/calltree.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hmap.h"
#include "util/text.h"
#include "util/vec.h"

/* The tree under construction. */
typedef struct {
  calltree *tree;
  hmap children; /* (parent, name) -> node */
  snapshot *snap; /* where new names are interned */
  int lines;      /* names carry file:line */
} calltree_builder;

/* A name fit for folded stacks: no ';' and no control characters (copied
 * into the snapshot when it has to change).  NULL on OOM. */
static const char *calltree_clean(calltree_builder *b, const char *name) {
  const char *p = name;
  while (*p && *p != ';' && (unsigned char)*p >= 0x20 && *p != 0x7f) p++;
  if (*p == '\0') return name;
  char *copy = (char *)snap_str(b->snap, name);
  if (copy == NULL) return NULL;
  for (char *q = copy; *q; q++) {
    if (*q == ';') *q = ':';
    else if ((unsigned char)*q < 0x20 || *q == 0x7f) *q = ' ';
  }
  return copy;
}

/* The frame name of one line of a location (or of a location without lines). */
static const char *calltree_frame_name(calltree_builder *b, const snap_location *loc, uint32_t l) {
  const snap_line *line = l < loc->nlines ? &loc->lines[l] : NULL;
  char buf[1024];
  if (line != NULL && line->function != NULL && line->function[0] != '\0') {
    if (!b->lines || line->file == NULL) return calltree_clean(b, line->function);
    snprintf(buf, sizeof buf, "%s (%s:%" PRId64 ")", line->function, text_basename(line->file),
             line->line);
  } else if (loc->module >= 0 && (uint32_t)loc->module < b->snap->nmodules &&
             b->snap->modules[loc->module].path[0] != '\0') {
    const snap_module *m = &b->snap->modules[loc->module];
    snprintf(buf, sizeof buf, "%s+0x%" PRIx64, text_basename(m->path), loc->address - m->base);
  } else {
    snprintf(buf, sizeof buf, "0x%" PRIx64, loc->address);
  }
  const char *s = snap_str(b->snap, buf);
  return s ? calltree_clean(b, s) : NULL;
}

static uint64_t calltree_hash(uint32_t parent, const char *name) {
  return hmap_fnv(hmap_mix(parent), name, strlen(name));
}

static int calltree_add_node(calltree *t, uint32_t parent, const char *name, uint32_t *out) {
  if (vec_reserve(&t->nodes, &t->capnodes, (size_t)t->nnodes + 1, sizeof *t->nodes) != 0) return -1;
  uint32_t idx = t->nnodes++;
  memset(&t->nodes[idx], 0, sizeof t->nodes[idx]);
  t->nodes[idx].name = name;
  t->nodes[idx].parent = parent;
  if (idx != parent) {
    calltree_node *p = &t->nodes[parent];
    if (vec_reserve(&p->kids, &p->capkids, (size_t)p->nkids + 1, sizeof *p->kids) != 0) return -1;
    p->kids[p->nkids++] = idx;
  }
  *out = idx;
  return 0;
}

/* A child being looked up: its parent and name. */
typedef struct {
  const calltree *tree;
  uint32_t parent;
  const char *name;
} calltree_child_key;

static int calltree_child_is(const void *ctx, uint64_t node) {
  const calltree_child_key *k = ctx;
  const calltree_node *n = &k->tree->nodes[node];
  return n->parent == k->parent && strcmp(n->name, k->name) == 0;
}

/* The child of parent called name, created if new. */
static int calltree_child(calltree_builder *b, uint32_t parent, const char *name, uint32_t *out) {
  calltree_child_key key = {b->tree, parent, name};
  uint64_t hash = calltree_hash(parent, name), node;
  if (hmap_find(&b->children, hash, calltree_child_is, &key, &node)) {
    *out = (uint32_t)node;
    return 0;
  }
  if (calltree_add_node(b->tree, parent, name, out) < 0) return -1;
  return hmap_add(&b->children, hash, *out);
}

static int calltree_kid_order(const void *pa, const void *pb, void *arg) {
  const calltree *t = arg;
  return strcmp(t->nodes[*(const uint32_t *)pa].name, t->nodes[*(const uint32_t *)pb].name);
}

/* Add every site with a positive value, root first. */
static int calltree_merge(calltree_builder *b, sample_type type) {
  const snapshot *snap = b->snap;
  calltree *t = b->tree;
  uint32_t root;
  if (calltree_add_node(t, 0, "all", &root) < 0) return -1;
  for (uint32_t s = 0; s < snap->nsites; s++) {
    const snap_site *site = &snap->sites[s];
    int64_t v = sample_type_value(site, type);
    int64_t other = sample_type_value(site, sample_type_partner(type));
    if (v <= 0 || site->stack >= snap->nstacks) continue;
    const snap_stack *stack = &snap->stacks[site->stack];
    uint32_t node = root;
    t->nodes[root].value += v;
    t->nodes[root].other += other;
    for (uint32_t k = stack->nlocs; k-- > 0;) {
      if (stack->locs[k] >= snap->nlocations) continue;
      const snap_location *loc = &snap->locations[stack->locs[k]];
      for (uint32_t l = loc->nlines ? loc->nlines : 1; l-- > 0;) {
        const char *name = calltree_frame_name(b, loc, l);
        if (name == NULL || calltree_child(b, node, name, &node) < 0) return -1;
        t->nodes[node].value += v;
        t->nodes[node].other += other;
      }
    }
  }
  for (uint32_t n = 0; n < t->nnodes; n++) {
    calltree_node *fn = &t->nodes[n];
    if (fn->nkids > 1) qsort_r(fn->kids, fn->nkids, sizeof *fn->kids, calltree_kid_order, t);
  }
  return 0;
}

int calltree_build(calltree *t, snapshot *snap, sample_type type, int lines) {
  calltree_builder b = {.tree = t, .snap = snap, .lines = lines};
  int rc = calltree_merge(&b, type);
  hmap_free(&b.children);
  return rc;
}

void calltree_free(calltree *t) {
  for (uint32_t n = 0; n < t->nnodes; n++) free(t->nodes[n].kids);
  free(t->nodes);
  memset(t, 0, sizeof *t);
}
