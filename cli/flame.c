/*
 * flame.c: `leakscope flame PROFILE`: merge the allocation stacks of any
 * input (pprof profile, raw snapshot, JSON report) into a call tree by one
 * sample type, and write it as an SVG flame graph (render/flame_svg.c) and/or as
 * folded stacks for flamegraph.pl, speedscope and inferno (FORMATS.md
 * section 4: root first, frames separated by ';', one space, an integer).
 *
 *   leakscope flame PROFILE [-o OUT.svg] [--folded [OUT]] [--sample-type T]
 *                           [--title T] [--inverted] [--lines]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "model/sample_type.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "render/flame_svg.h"
#include "util/hmap.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/outfile.h"
#include "util/text.h"
#include "util/vec.h"

typedef struct {
  const char *input, *svg, *folded_path, *title;
  int folded, inverted, lines;
  sample_type type;
} flame_options;

/* The merged tree under construction: a hash of (parent, name) -> node. */
typedef struct {
  flame_tree tree;
  uint32_t *parent;    /* per node */
  hmap children;       /* (parent, name) -> node */
  snapshot *snap;      /* where new names are interned */
  int lines;           /* names carry file:line */
} flame_builder;

enum { FLAME_OUTPUT, FLAME_OUTPUT_LONG, FLAME_FOLDED, FLAME_SAMPLE_TYPE, FLAME_TITLE, FLAME_INVERTED,
       FLAME_LINES };
static const opt_spec flame_opts[] = {
    [FLAME_OUTPUT] = {"-o", OPT_VALUE, " OUT.svg", NULL},
    [FLAME_OUTPUT_LONG] = {"--output", OPT_VALUE | OPT_HIDDEN, " OUT.svg", NULL},
    [FLAME_FOLDED] = {"--folded", OPT_EQUALS, " [OUT]", NULL},
    [FLAME_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE", NULL},
    [FLAME_TITLE] = {"--title", OPT_VALUE, " TEXT", NULL},
    [FLAME_INVERTED] = {"--inverted", 0, NULL, NULL},
    [FLAME_LINES] = {"--lines", 0, NULL, NULL},
    {NULL, 0, NULL, NULL},
};

static int flame_parse(int argc, char **argv, flame_options *o) {
  memset(o, 0, sizeof *o);
  o->type = SAMPLE_INUSE_SPACE;
  const char *positional[2];
  int npos = 0, folded_next = -1; /* which positional came right after --folded */
  for (int i = 0; i < argc; i++) {
    const char *v;
    switch (opt_next(flame_opts, argc, argv, &i, "flame", &v)) {
    case OPT_BAD: return -1;
    case OPT_UNKNOWN:
      errorf("flame: unknown option '%s'", argv[i]);
      return -1;
    case OPT_ARG:
      if (npos == 2) {
        errorf("flame: too many arguments ('%s')", argv[i]);
        return -1;
      }
      positional[npos++] = argv[i];
      break;
    case FLAME_FOLDED:
      o->folded = 1;
      if (v != NULL) o->folded_path = v;
      else folded_next = npos;
      break;
    case FLAME_INVERTED: o->inverted = 1; break;
    case FLAME_LINES: o->lines = 1; break;
    case FLAME_OUTPUT:
    case FLAME_OUTPUT_LONG: o->svg = v; break;
    case FLAME_SAMPLE_TYPE:
      if (sample_type_parse(v, &o->type) < 0) {
        errorf("flame: unknown sample type '%s' (alloc_space, alloc_objects, inuse_space, "
               "inuse_objects)", v);
        return -1;
      }
      break;
    case FLAME_TITLE: o->title = v; break;
    }
    if (strcmp(argv[i], "--folded") != 0 && folded_next == npos) folded_next = -1;
  }
  /* "--folded OUT": the positional right after --folded is OUT when a
   * second positional gives the PROFILE */
  if (npos == 2 && folded_next >= 0 && o->folded_path == NULL) {
    o->folded_path = positional[folded_next];
    o->input = positional[1 - folded_next];
  } else if (npos == 1) {
    o->input = positional[0];
  } else {
    char synopsis[256];
    opt_synopsis(flame_opts, synopsis, sizeof synopsis);
    errorf("usage: leakscope flame PROFILE%s", synopsis);
    return -1;
  }
  if (o->svg == NULL && !o->folded) {
    errorf("flame: no output: give -o OUT.svg and/or --folded [OUT]");
    return -1;
  }
  return 0;
}

/* A name fit for folded stacks: no ';' and no control characters (copied
 * into the snapshot when it has to change).  NULL on OOM. */
static const char *flame_clean(flame_builder *b, const char *name) {
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
static const char *flame_frame_name(flame_builder *b, const snap_location *loc, uint32_t l) {
  const snap_line *line = l < loc->nlines ? &loc->lines[l] : NULL;
  char buf[1024];
  if (line != NULL && line->function != NULL && line->function[0] != '\0') {
    if (!b->lines || line->file == NULL) return flame_clean(b, line->function);
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
  return s ? flame_clean(b, s) : NULL;
}

static uint64_t flame_hash(uint32_t parent, const char *name) {
  return hmap_fnv(hmap_mix(parent), name, strlen(name));
}

static int flame_add_node(flame_builder *b, uint32_t parent, const char *name, uint32_t *out) {
  flame_tree *t = &b->tree;
  if (t->nnodes == t->capnodes) { /* nodes and parent grow together */
    size_t cap = t->capnodes, cap_parent = t->capnodes;
    if (vec_reserve(&t->nodes, &cap, (size_t)t->nnodes + 1, sizeof *t->nodes) != 0 ||
        vec_reserve(&b->parent, &cap_parent, (size_t)t->nnodes + 1, sizeof *b->parent) != 0)
      return -1;
    t->capnodes = cap;
  }
  uint32_t idx = t->nnodes++;
  memset(&t->nodes[idx], 0, sizeof t->nodes[idx]);
  t->nodes[idx].name = name;
  b->parent[idx] = parent;
  if (idx != parent) {
    flame_node *p = &t->nodes[parent];
    if (vec_reserve(&p->kids, &p->capkids, (size_t)p->nkids + 1, sizeof *p->kids) != 0) return -1;
    p->kids[p->nkids++] = idx;
  }
  *out = idx;
  return 0;
}

/* A child being looked up: its parent and name. */
typedef struct {
  const flame_builder *b;
  uint32_t parent;
  const char *name;
} flame_child_key;

static int flame_child_is(const void *ctx, uint64_t node) {
  const flame_child_key *k = ctx;
  return k->b->parent[node] == k->parent && strcmp(k->b->tree.nodes[node].name, k->name) == 0;
}

/* The child of parent called name, created if new. */
static int flame_child(flame_builder *b, uint32_t parent, const char *name, uint32_t *out) {
  flame_child_key key = {b, parent, name};
  uint64_t hash = flame_hash(parent, name), node;
  if (hmap_find(&b->children, hash, flame_child_is, &key, &node)) {
    *out = (uint32_t)node;
    return 0;
  }
  if (flame_add_node(b, parent, name, out) < 0) return -1;
  return hmap_add(&b->children, hash, *out);
}

static int flame_kid_order(const void *pa, const void *pb, void *arg) {
  const flame_tree *t = arg;
  return strcmp(t->nodes[*(const uint32_t *)pa].name, t->nodes[*(const uint32_t *)pb].name);
}

/* Merge every site with a positive value into the tree, root first. */
static int flame_build(flame_builder *b, sample_type type) {
  const snapshot *snap = b->snap;
  uint32_t root;
  if (flame_add_node(b, 0, "all", &root) < 0) return -1;
  for (uint32_t s = 0; s < snap->nsites; s++) {
    const snap_site *site = &snap->sites[s];
    int64_t v = sample_type_value(site, type);
    int64_t other = sample_type_value(site, sample_type_partner(type));
    if (v <= 0 || site->stack >= snap->nstacks) continue;
    const snap_stack *stack = &snap->stacks[site->stack];
    uint32_t node = root;
    b->tree.nodes[root].value += v;
    b->tree.nodes[root].other += other;
    for (uint32_t k = stack->nlocs; k-- > 0;) {
      if (stack->locs[k] >= snap->nlocations) continue;
      const snap_location *loc = &snap->locations[stack->locs[k]];
      for (uint32_t l = loc->nlines ? loc->nlines : 1; l-- > 0;) {
        const char *name = flame_frame_name(b, loc, l);
        if (name == NULL || flame_child(b, node, name, &node) < 0) return -1;
        b->tree.nodes[node].value += v;
        b->tree.nodes[node].other += other;
      }
    }
  }
  for (uint32_t n = 0; n < b->tree.nnodes; n++) {
    flame_node *fn = &b->tree.nodes[n];
    if (fn->nkids > 1) qsort_r(fn->kids, fn->nkids, sizeof *fn->kids, flame_kid_order, &b->tree);
  }
  return 0;
}

/* Folded stacks: one line per frame with self value, root first. */
static int flame_write_folded(const flame_tree *t, FILE *out) {
  uint32_t *stack = malloc(t->nnodes * sizeof *stack);
  uint32_t *depth = malloc(t->nnodes * sizeof *depth);
  const char **path = malloc(t->nnodes * sizeof *path);
  if (stack == NULL || depth == NULL || path == NULL) {
    free(stack);
    free(depth);
    free(path);
    return -1;
  }
  uint32_t top = 0;
  stack[top] = 0;
  depth[top++] = 0;
  while (top) {
    top--;
    uint32_t n = stack[top], d = depth[top];
    const flame_node *fn = &t->nodes[n];
    path[d] = fn->name;
    int64_t self = fn->value;
    for (uint32_t k = 0; k < fn->nkids; k++) self -= t->nodes[fn->kids[k]].value;
    if (d > 0 && self > 0) {
      for (uint32_t i = 1; i <= d; i++) {
        if (i > 1) fputc(';', out);
        fputs(path[i], out);
      }
      fprintf(out, " %" PRId64 "\n", self);
    }
    for (uint32_t k = fn->nkids; k-- > 0;) {
      stack[top] = fn->kids[k];
      depth[top++] = d + 1;
    }
  }
  free(stack);
  free(depth);
  free(path);
  return 0;
}

static int flame_folded_to_file(const flame_tree *t, const char *path, char *err, size_t errlen) {
  outfile o;
  FILE *f = outfile_open(&o, path, err, errlen);
  if (f == NULL) return -1;
  int ok = flame_write_folded(t, f) == 0;
  if (!ok) snprintf(err, errlen, "out of memory writing %s", o.tmp);
  return outfile_close(&o, ok, err, errlen);
}

static void flame_builder_free(flame_builder *b) {
  for (uint32_t n = 0; n < b->tree.nnodes; n++) free(b->tree.nodes[n].kids);
  free(b->tree.nodes);
  free(b->parent);
  hmap_free(&b->children);
}

int cmd_flame(int argc, char **argv) {
  flame_options o;
  if (flame_parse(argc, argv, &o) < 0) return EXIT_USAGE;
  char err[1024];
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  snapshot *snap = prepare_load(o.input, &p, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  flame_builder b;
  memset(&b, 0, sizeof b);
  b.snap = snap;
  b.lines = o.lines;
  int rc = EXIT_USAGE;
  if (flame_build(&b, o.type) < 0) {
    errorf("flame: out of memory building the call tree");
    goto out;
  }
  if (o.svg != NULL) {
    char title[256], subtitle[512], human[64];
    int bytes = sample_type_is_bytes(o.type);
    int64_t total = b.tree.nodes[0].value;
    if (bytes) snprintf(human, sizeof human, " (%.1f MiB)", (double)total / 1048576.0);
    else human[0] = '\0';
    snprintf(title, sizeof title, "Heap flame graph: %s", sample_type_name(o.type));
    snprintf(subtitle, sizeof subtitle, "%s: %" PRId64 " %s%s%s", text_basename(o.input), total,
             sample_type_unit(o.type), human,
             strcmp(snap->mode ? snap->mode : "", "sample") == 0 ? ", sampled estimate" : "");
    flame_svg_options so = {o.title ? o.title : title, subtitle, bytes, o.inverted};
    if (flame_svg_write(&b.tree, &so, o.svg, err, sizeof err) < 0) {
      errorf("%s", err);
      goto out;
    }
  }
  if (o.folded) {
    if (o.folded_path != NULL) {
      if (flame_folded_to_file(&b.tree, o.folded_path, err, sizeof err) < 0) {
        errorf("%s", err);
        goto out;
      }
    } else if (flame_write_folded(&b.tree, stdout) < 0 || fflush(stdout) != 0) {
      errorf("flame: cannot write folded stacks to standard output");
      goto out;
    }
  }
  rc = EXIT_OK;
out:
  flame_builder_free(&b);
  snap_free(snap);
  return rc;
}
