/*
 * render/json.c: the JSON report, schema leakscope-report/1 (docs/REPORT.md):
 * command, pid, exit code, mode, the summary by kind, and the loss records
 * largest first, each with its symbolized stack ("leak_check" says whether
 * there was one: without it, no summary and no records), then the
 * allocation sites with their stacks.  Extra fields: a record's
 * "indirect_bytes" and "suppressed" (the suppression's name), a frame's
 * "inlined", "totals", and "retention" (who holds the still-reachable
 * memory), and with `run --watch` "suspects" (the leak watch's, made by
 * the caller).  Streamed (render/jsonw.h) to PATH.tmp, then renamed; the
 * retention section and the suspects are built with jansson and written in
 * place.
 */
#include "render/json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/jsonw.h"
#include "util/jsontree.h"
#include "util/outfile.h"

static json_t *json_amount(uint64_t bytes, uint64_t blocks) {
  return json_pack("{s:o,s:o}", "bytes", jsontree_u64(bytes), "blocks", jsontree_u64(blocks));
}

/* One frame of a stack as the report has it: an inlined call is a frame
 * of its own, at its caller's address, marked "inlined". */
typedef struct {
  char address[32];
  const char *function, *symbol, *file, *object; /* NULL: unknown */
  int line;                                      /* 0: unknown */
  int inlined;
} json_frame;

typedef void (*json_frame_fn)(const json_frame *f, void *arg);

static void json_each_frame(const snapshot *snap, uint32_t stack, json_frame_fn fn, void *arg) {
  const snap_stack *st = &snap->stacks[stack];
  for (uint32_t i = 0; i < st->nlocs; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    const char *object = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules
                             ? snap->modules[loc->module].path : NULL;
    json_frame f;
    snprintf(f.address, sizeof f.address, "0x%" PRIx64, loc->address);
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines; l++) {
      const snap_line *line = l < loc->nlines ? &loc->lines[l] : NULL;
      f.function = line ? line->function : NULL;
      f.symbol = line ? line->system_name : NULL;
      f.file = line ? line->file : NULL;
      f.line = line && line->line > 0 ? line->line : 0;
      f.object = object && object[0] ? object : NULL;
      f.inlined = l + 1 < nlines;
      fn(&f, arg);
    }
  }
}

static void json_tree_frame(const json_frame *f, void *arg) {
  json_t *frame = json_pack("{s:s}", "address", f->address);
  if (f->function) json_object_set_new(frame, "function", json_string(f->function));
  if (f->symbol) json_object_set_new(frame, "symbol", json_string(f->symbol));
  if (f->file) json_object_set_new(frame, "file", json_string(f->file));
  if (f->line) json_object_set_new(frame, "line", json_integer(f->line));
  if (f->object) json_object_set_new(frame, "object", json_string(f->object));
  if (f->inlined) json_object_set_new(frame, "inlined", json_true());
  json_array_append_new(arg, frame);
}

json_t *render_json_stack(const snapshot *snap, uint32_t stack) {
  json_t *frames = json_array();
  json_each_frame(snap, stack, json_tree_frame, frames);
  return frames;
}

/* A retention path step: its block and the leaf frame of its stack. */
static json_t *json_rstep(const snapshot *snap, const snap_rstep *s) {
  char address[32];
  snprintf(address, sizeof address, "0x%" PRIx64, s->address);
  json_t *step = json_pack("{s:s,s:o}", "address", address, "bytes", jsontree_u64(s->bytes));
  json_t *frames = render_json_stack(snap, s->stack);
  json_t *leaf = json_array_get(frames, 0);
  const char *keys[] = {"function", "file", "line", "object"};
  for (size_t i = 0; leaf != NULL && i < sizeof keys / sizeof *keys; i++) {
    json_t *v = json_object_get(leaf, keys[i]);
    if (v != NULL) json_object_set(step, keys[i], v);
  }
  json_decref(frames);
  return step;
}

static json_t *json_root_index(int32_t i) { return i >= 0 ? json_integer(i) : json_null(); }

/* A pointer path: the root it starts at and its steps. */
static json_t *json_path(const snapshot *snap, const snap_retainer *t) {
  json_t *path = json_array();
  for (uint32_t s = 0; s < t->npath; s++) json_array_append_new(path, json_rstep(snap, &t->path[s]));
  return path;
}

static json_t *json_retention(const snapshot *snap) {
  const snap_retention *r = snap->retention;
  json_t *roots = json_array(), *retainers = json_array(), *sites = json_array();
  for (uint32_t i = 0; i < r->nroots; i++) {
    const snap_rroot *root = &r->roots[i];
    json_t *o = json_pack("{s:s,s:s,s:o,s:o}", "kind", root->kind, "name", root->name, "retained_bytes",
                          jsontree_u64(root->retained_bytes), "retained_blocks", jsontree_u64(root->retained_blocks));
    if (root->symbol) json_object_set_new(o, "symbol", json_string(root->symbol));
    if (root->object) json_object_set_new(o, "object", json_string(root->object));
    if (root->tid) json_object_set_new(o, "tid", json_integer(root->tid));
    json_array_append_new(roots, o);
  }
  for (uint32_t i = 0; i < r->nretainers; i++) {
    const snap_retainer *t = &r->retainers[i];
    char address[32];
    snprintf(address, sizeof address, "0x%" PRIx64, t->address);
    json_t *path = json_path(snap, t);
    json_array_append_new(
        retainers, json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}", "root", json_root_index(t->root),
                             "blocks", jsontree_u64(t->blocks), "bytes", jsontree_u64(t->bytes),
                             "retained_bytes", jsontree_u64(t->retained_bytes), "retained_blocks",
                             jsontree_u64(t->retained_blocks), "address", address, "stack",
                             render_json_stack(snap, t->stack), "path_root", json_root_index(t->path_root),
                             "path", path));
  }
  for (uint32_t i = 0; i < r->nsites; i++) {
    const snap_rsite *s = &r->sites[i];
    json_array_append_new(sites, json_pack("{s:o,s:o,s:o,s:o}", "blocks", jsontree_u64(s->blocks),
                                           "retained_bytes", jsontree_u64(s->retained_bytes),
                                           "retained_blocks", jsontree_u64(s->retained_blocks), "stack",
                                           render_json_stack(snap, s->stack)));
  }
  return json_pack("{s:o,s:o,s:o,s:o,s:o}", "reachable",
                   json_amount(r->reachable_bytes, r->reachable_blocks), "shared",
                   json_amount(r->shared_bytes, r->shared_blocks), "roots", roots, "retainers",
                   retainers, "sites", sites);
}

json_t *render_json_retention(const snapshot *snap) {
  const snap_retention *r = snap->retention;
  json_t *o = json_retention(snap);
  json_object_set_new(o, "pid", json_integer(snap->pid));
  json_object_set_new(o, "mode", json_string(snap->mode ? snap->mode : "full"));
  if (snap->live.present)
    json_object_set_new(o, "live", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "pause_ns", jsontree_u64(snap->live.pause_ns),
                                             "stop_ns", jsontree_u64(snap->live.stop_ns),
                                             "threads", jsontree_u64(snap->live.threads), "scan_ns",
                                             jsontree_u64(snap->live.scan_ns), "scan_cpu_ns",
                                             jsontree_u64(snap->live.scan_cpu_ns), "child_private_kb",
                                             jsontree_u64(snap->live.child_private_kb)));
  json_t *held = json_array();
  for (uint32_t i = 0; i < r->nheld; i++) {
    const snap_rheld *x = &r->held[i];
    json_array_append_new(held, json_pack("{s:o,s:o,s:o,s:o}", "root", json_root_index(x->root), "blocks",
                                          jsontree_u64(x->blocks), "bytes", jsontree_u64(x->bytes), "stack",
                                          render_json_stack(snap, x->stack)));
  }
  json_object_set_new(o, "held", held);
  if (r->has_chain) {
    const snap_retainer *c = &r->chain;
    char address[32], block[32];
    snprintf(address, sizeof address, "0x%" PRIx64, r->chain_address);
    snprintf(block, sizeof block, "0x%" PRIx64, c->address);
    json_object_set_new(o, "chain", json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "address", address, "block", block,
                                              "bytes", jsontree_u64(c->bytes), "stack", render_json_stack(snap, c->stack),
                                              "root", json_root_index(c->root), "path_root",
                                              json_root_index(c->path_root), "path", json_path(snap, c)));
  }
  return o;
}

static void json_w_frame(const json_frame *f, void *arg) {
  jsonw *w = arg;
  jsonw_object(w);
  jsonw_key(w, "address");
  jsonw_string(w, f->address);
  if (f->function) jsonw_key(w, "function"), jsonw_string(w, f->function);
  if (f->symbol) jsonw_key(w, "symbol"), jsonw_string(w, f->symbol);
  if (f->file) jsonw_key(w, "file"), jsonw_string(w, f->file);
  if (f->line) jsonw_key(w, "line"), jsonw_i64(w, f->line);
  if (f->object) jsonw_key(w, "object"), jsonw_string(w, f->object);
  if (f->inlined) jsonw_key(w, "inlined"), jsonw_bool(w, 1);
  jsonw_end(w);
}

/* A stack's frames, as render_json_stack has them. */
static void json_w_stack(jsonw *w, const snapshot *snap, uint32_t stack) {
  jsonw_array(w);
  json_each_frame(snap, stack, json_w_frame, w);
  jsonw_end(w);
}

static void json_w_amount(jsonw *w, const char *key, uint64_t bytes, uint64_t blocks) {
  jsonw_key(w, key);
  jsonw_object(w);
  jsonw_key(w, "bytes");
  jsonw_u64(w, bytes);
  jsonw_key(w, "blocks");
  jsonw_u64(w, blocks);
  jsonw_end(w);
}

static void json_w_u64(jsonw *w, const char *key, uint64_t v) {
  jsonw_key(w, key);
  jsonw_u64(w, v);
}

/* The leak check's findings: the summary by kind and the loss records. */
static void json_w_leaks(jsonw *w, const snapshot *snap) {
  jsonw_key(w, "summary");
  jsonw_object(w);
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    json_w_amount(w, snap_kind_name((snap_kind)k), snap->summary[k].bytes, snap->summary[k].blocks);
  json_w_amount(w, "suppressed", snap->suppressed.bytes, snap->suppressed.blocks);
  jsonw_end(w);
  jsonw_key(w, "records");
  jsonw_array(w);
  for (uint32_t i = 0; i < snap->nleaks; i++) {
    const snap_leak *l = &snap->leaks[i];
    jsonw_object(w);
    jsonw_key(w, "kind");
    jsonw_string(w, snap_kind_name(l->kind));
    json_w_u64(w, "bytes", l->bytes);
    json_w_u64(w, "blocks", l->blocks);
    if (l->indirect_bytes) json_w_u64(w, "indirect_bytes", l->indirect_bytes);
    if (l->suppressed_by) jsonw_key(w, "suppressed"), jsonw_string(w, l->suppressed_by);
    jsonw_key(w, "stack");
    json_w_stack(w, snap, l->stack);
    jsonw_end(w);
  }
  jsonw_end(w);
}

static int json_site_order(const void *pa, const void *pb) {
  const snap_site *a = *(const snap_site *const *)pa, *b = *(const snap_site *const *)pb;
  if (a->inuse_bytes != b->inuse_bytes) return a->inuse_bytes > b->inuse_bytes ? -1 : 1;
  if (a->alloc_bytes != b->alloc_bytes) return a->alloc_bytes > b->alloc_bytes ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* A site's lifetimes: its freed objects by decade, and in full mode the
 * exact temporaries, median, p90 and longest lifetime. */
static void json_w_lifetimes(jsonw *w, const snapshot *snap, const snap_site *s) {
  jsonw_key(w, "lifetimes");
  jsonw_object(w);
  jsonw_key(w, "freed_by_decade");
  jsonw_array(w);
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) jsonw_u64(w, s->died[k]);
  jsonw_end(w);
  if (snap->has_lifetime_stats) {
    json_w_u64(w, "temporaries", s->temporaries);
    json_w_u64(w, "median_ns", s->lifetime_p50_ns);
    json_w_u64(w, "p90_ns", s->lifetime_p90_ns);
    json_w_u64(w, "max_ns", s->lifetime_max_ns);
  }
  jsonw_end(w);
}

/* The allocation sites, most bytes in use first; -1 when out of memory. */
static int json_w_sites(jsonw *w, const snapshot *snap) {
  const snap_site **order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) return -1;
  for (uint32_t i = 0; i < snap->nsites; i++) order[i] = &snap->sites[i];
  qsort(order, snap->nsites, sizeof *order, json_site_order);
  jsonw_key(w, "sites");
  jsonw_array(w);
  for (uint32_t i = 0; i < snap->nsites; i++) {
    const snap_site *s = order[i];
    if (s->alloc_objects == 0 && s->inuse_objects == 0) continue;
    jsonw_object(w);
    json_w_u64(w, "inuse_bytes", s->inuse_bytes);
    json_w_u64(w, "inuse_blocks", s->inuse_objects);
    json_w_u64(w, "alloc_bytes", s->alloc_bytes);
    json_w_u64(w, "alloc_blocks", s->alloc_objects);
    jsonw_key(w, "stack");
    json_w_stack(w, snap, s->stack);
    if (snap->has_lifetimes) json_w_lifetimes(w, snap, s);
    jsonw_end(w);
  }
  jsonw_end(w);
  free(order);
  return 0;
}

/* The whole report, streamed: the sites and records are most of it.  -1
 * when out of memory (before the suspects, whose reference is taken). */
static int json_w_report(jsonw *w, const snapshot *snap, json_t *suspects) {
  jsonw_object(w);
  jsonw_key(w, "schema");
  jsonw_string(w, "leakscope-report/1");
  jsonw_key(w, "command");
  jsonw_array(w);
  for (int i = 0; i < snap->argc; i++) jsonw_string(w, snap->argv[i]);
  jsonw_end(w);
  jsonw_key(w, "pid");
  jsonw_i64(w, snap->pid);
  jsonw_key(w, "exit_code");
  if (snap->exit_code >= 0) jsonw_i64(w, snap->exit_code);
  else jsonw_null(w);
  if (snap->signal > 0) jsonw_key(w, "signal"), jsonw_i64(w, snap->signal);
  jsonw_key(w, "mode");
  jsonw_string(w, snap->mode);
  if (snap->sample_interval > 1) json_w_u64(w, "sample_interval", snap->sample_interval);
  if (snap->nwarnings > 0) {
    jsonw_key(w, "agent_warnings");
    jsonw_array(w);
    for (uint32_t i = 0; i < snap->nwarnings; i++) jsonw_string(w, snap->warnings[i]);
    jsonw_end(w);
  }
  if (snap->nfailures > 0) {
    jsonw_key(w, "agent_failures");
    jsonw_object(w);
    for (uint32_t i = 0; i < snap->nfailures; i++) json_w_u64(w, snap->failures[i].name, snap->failures[i].count);
    jsonw_end(w);
  }
  jsonw_key(w, "leak_check");
  jsonw_bool(w, snap->has_leak_check);
  if (snap->has_leak_check) json_w_leaks(w, snap);
  if (json_w_sites(w, snap) != 0) return -1;
  jsonw_key(w, "totals");
  jsonw_object(w);
  json_w_u64(w, "allocs", snap->total_allocs);
  json_w_u64(w, "frees", snap->total_frees);
  json_w_u64(w, "bytes_allocated", snap->total_bytes_allocated);
  json_w_u64(w, "inuse_bytes", snap->inuse_bytes);
  json_w_u64(w, "inuse_blocks", snap->inuse_objects);
  if (snap->has_peak) json_w_u64(w, "peak_bytes", snap->peak_bytes);
  jsonw_end(w);
  /* a live retention snapshot's has its holders, figures and chain too */
  if (snap->retention != NULL) {
    jsonw_key(w, "retention");
    jsonw_tree(w, snap->live.present ? render_json_retention(snap) : json_retention(snap));
  }
  if (suspects != NULL) {
    jsonw_key(w, "suspects");
    jsonw_tree(w, suspects);
  }
  jsonw_end(w);
  return 0;
}

int render_json_report(const snapshot *snap, const char *path, char *err, size_t errlen) {
  return render_json_report_suspects(snap, NULL, path, err, errlen);
}

int render_json_report_suspects(const snapshot *snap, json_t *suspects, const char *path, char *err,
                                size_t errlen) {
  outfile o;
  FILE *f = outfile_open(&o, path, err, errlen);
  if (f == NULL) {
    json_decref(suspects);
    return -1;
  }
  jsonw w;
  jsonw_init(&w, f);
  errno = 0;
  if (json_w_report(&w, snap, suspects) != 0) {
    json_decref(suspects); /* the sites come first: the suspects were not written */
    snprintf(err, errlen, "out of memory writing the report");
    return outfile_close(&o, 0, err, errlen);
  }
  int ok = !jsonw_failed(&w);
  if (!ok) snprintf(err, errlen, "cannot write %s: %s", o.tmp, strerror(errno ? errno : EIO));
  return outfile_close(&o, ok, err, errlen);
}

int render_json_dumpf(json_t *root, FILE *f, size_t flags, const char *name, char *err,
                      size_t errlen) {
  errno = 0;
  int rc = jsontree_dumpf(root, f, flags);
  json_decref(root);
  if (rc != 0) {
    snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno ? errno : EIO));
    return -1;
  }
  return 0;
}

int render_json_dump(json_t *root, const char *path, size_t flags, char *err, size_t errlen) {
  outfile o;
  FILE *f = outfile_open(&o, path, err, errlen);
  if (f == NULL) {
    json_decref(root);
    return -1;
  }
  return outfile_close(&o, render_json_dumpf(root, f, flags, o.tmp, err, errlen) == 0, err, errlen);
}
