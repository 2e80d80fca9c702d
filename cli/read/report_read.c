/*
 * read/report_read.c: report_read(), a leakscope JSON report (schema
 * leakscope-report/1, docs/REPORT.md) read back into a snapshot: command, pid,
 * exit code, mode, summary, totals, the leak records with their stacks
 * (one location per frame, already symbolized), and the retention section.  Every number must
 * be a non-negative 64-bit integer; anything else is an error naming the
 * field, e.g. "r.json: records[2].bytes: not a non-negative integer".
 */
#include "read/report_read.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  snapshot *snap;
  const char *path;
  char *err;
  size_t errlen;
} rr;

static int bad(rr *r, const char *field, const char *what) {
  snprintf(r->err, r->errlen, "%s: %s: %s", r->path, field, what);
  return -1;
}

/* A non-negative integer field; absent is allowed when optional. */
static int get_u64(rr *r, const json_t *obj, const char *key, const char *where, int optional,
                   uint64_t *out) {
  char field[160];
  snprintf(field, sizeof field, "%s%s%s", where, where[0] ? "." : "", key);
  const json_t *v = json_object_get(obj, key);
  if (v == NULL) {
    if (optional) return 0;
    return bad(r, field, "missing");
  }
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return bad(r, field, "not a non-negative integer");
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

static int get_str(rr *r, const json_t *obj, const char *key, const char *where,
                   const char **out) {
  const json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (v == NULL) return 0;
  if (!json_is_string(v)) {
    char field[160];
    snprintf(field, sizeof field, "%s%s%s", where, where[0] ? "." : "", key);
    return bad(r, field, "not a string");
  }
  *out = snap_str(r->snap, json_string_value(v));
  if (*out == NULL) return bad(r, where, "out of memory");
  return 0;
}

static int parse_hex(const char *s, uint64_t *out) {
  if (s == NULL || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s[2] == '\0') return -1;
  uint64_t v = 0;
  for (s += 2; *s; s++) {
    unsigned d;
    if (*s >= '0' && *s <= '9') d = (unsigned)(*s - '0');
    else if (*s >= 'a' && *s <= 'f') d = (unsigned)(*s - 'a' + 10);
    else if (*s >= 'A' && *s <= 'F') d = (unsigned)(*s - 'A' + 10);
    else return -1;
    if (v >> 60) return -1;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

static int32_t module_index(rr *r, const char *path) {
  snapshot *s = r->snap;
  for (uint32_t i = 0; i < s->nmodules; i++)
    if (strcmp(s->modules[i].path, path) == 0) return (int32_t)i;
  snap_module m = {.path = path};
  int64_t idx = snap_add_module(s, &m);
  return idx < 0 || idx > INT32_MAX ? -2 : (int32_t)idx;
}

static int read_frame(rr *r, const json_t *fr, const char *where, uint32_t *loc_out) {
  if (!json_is_object(fr)) return bad(r, where, "not an object");
  const char *addr, *fn, *file, *obj, *symbol;
  uint64_t line = 0, address;
  if (get_str(r, fr, "address", where, &addr) != 0 || get_str(r, fr, "function", where, &fn) != 0 ||
      get_str(r, fr, "symbol", where, &symbol) != 0 ||
      get_str(r, fr, "file", where, &file) != 0 || get_str(r, fr, "object", where, &obj) != 0 ||
      get_u64(r, fr, "line", where, 1, &line) != 0)
    return -1;
  if (addr == NULL) return bad(r, where, "frame without \"address\"");
  if (parse_hex(addr, &address) != 0) return bad(r, where, "\"address\" is not a 64-bit hex \"0x...\"");
  if (line > INT64_MAX) return bad(r, where, "\"line\" out of range");
  const json_t *inl = json_object_get(fr, "inlined");
  if (inl != NULL && !json_is_boolean(inl)) return bad(r, where, "\"inlined\" is not a boolean");
  snap_location loc = {.address = address, .module = -1};
  if (obj != NULL) {
    loc.module = module_index(r, obj);
    if (loc.module == -2) return bad(r, where, "out of memory");
  }
  if (fn != NULL || file != NULL) {
    snap_line *l = snap_alloc(r->snap, sizeof *l);
    if (l == NULL) return bad(r, where, "out of memory");
    l->function = fn;
    l->file = file;
    l->line = (int64_t)line;
    l->system_name = symbol;
    loc.lines = l;
    loc.nlines = 1;
  }
  int64_t idx = snap_add_location(r->snap, &loc);
  if (idx < 0) return bad(r, where, "out of memory");
  *loc_out = (uint32_t)idx;
  return 0;
}

/* obj's "stack" array of frames as a new snapshot stack. */
static int read_stack(rr *r, const json_t *obj, const char *where, uint32_t *stack_out) {
  const json_t *stack = json_object_get(obj, "stack");
  if (!json_is_array(stack)) return bad(r, where, "\"stack\" is not an array");
  size_t n = json_array_size(stack);
  if (n > 100000) return bad(r, where, "\"stack\" is too deep");
  uint32_t *locs = malloc((n ? n : 1) * sizeof *locs);
  if (locs == NULL) return bad(r, where, "out of memory");
  for (size_t j = 0; j < n; j++) {
    char fw[96];
    snprintf(fw, sizeof fw, "%s.stack[%zu]", where, j);
    if (read_frame(r, json_array_get(stack, j), fw, &locs[j]) != 0) {
      free(locs);
      return -1;
    }
  }
  int64_t sid = snap_add_stack(r->snap, locs, (uint32_t)n);
  free(locs);
  if (sid < 0) return bad(r, where, "out of memory");
  *stack_out = (uint32_t)sid;
  return 0;
}

static int read_record(rr *r, const json_t *rec, size_t i) {
  char where[64];
  snprintf(where, sizeof where, "records[%zu]", i);
  if (!json_is_object(rec)) return bad(r, where, "not an object");
  const char *kind, *supp;
  if (get_str(r, rec, "kind", where, &kind) != 0 || get_str(r, rec, "suppressed", where, &supp) != 0)
    return -1;
  snap_leak l = {.suppressed_by = supp};
  int k = -1;
  for (int j = 0; kind != NULL && j < SNAP_KIND_COUNT; j++)
    if (strcmp(kind, snap_kind_name((snap_kind)j)) == 0) k = j;
  if (k < 0) return bad(r, where, "\"kind\" is not a leak kind");
  l.kind = (snap_kind)k;
  if (get_u64(r, rec, "bytes", where, 0, &l.bytes) != 0 ||
      get_u64(r, rec, "blocks", where, 0, &l.blocks) != 0 ||
      get_u64(r, rec, "indirect_bytes", where, 1, &l.indirect_bytes) != 0)
    return -1;
  if (read_stack(r, rec, where, &l.stack) != 0) return -1;
  if (snap_add_leak(r->snap, &l) < 0) return bad(r, where, "out of memory");
  return 0;
}

/* A site's "lifetimes": freed_by_decade, and all or none of temporaries,
 * median_ns, p90_ns and max_ns (full mode's exact statistics). */
static int read_lifetimes(rr *r, const json_t *o, const char *site_where, snap_site *site) {
  char where[96];
  snprintf(where, sizeof where, "%s.lifetimes", site_where);
  if (!json_is_object(o)) return bad(r, where, "not an object");
  const json_t *decades = json_object_get(o, "freed_by_decade");
  if (!json_is_array(decades) || json_array_size(decades) != SNAP_LIFETIME_BUCKETS)
    return bad(r, where, "freed_by_decade is not an array of 10 counts");
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) {
    const json_t *v = json_array_get(decades, (size_t)k);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return bad(r, where, "freed_by_decade is not an array of 10 counts");
    site->died[k] = (int64_t)json_integer_value(v);
  }
  r->snap->has_lifetimes = 1;
  if (json_object_get(o, "temporaries") == NULL) return 0;
  uint64_t temporaries;
  if (get_u64(r, o, "temporaries", where, 0, &temporaries) != 0 ||
      get_u64(r, o, "median_ns", where, 0, &site->lifetime_p50_ns) != 0 ||
      get_u64(r, o, "p90_ns", where, 0, &site->lifetime_p90_ns) != 0 ||
      get_u64(r, o, "max_ns", where, 0, &site->lifetime_max_ns) != 0)
    return -1;
  if (temporaries > INT64_MAX) return bad(r, where, "temporaries out of range");
  site->temporaries = (int64_t)temporaries;
  r->snap->has_lifetime_stats = 1;
  return 0;
}

/* One allocation site of "sites". */
static int read_site(rr *r, const json_t *o, size_t i) {
  char where[64];
  snprintf(where, sizeof where, "sites[%zu]", i);
  if (!json_is_object(o)) return bad(r, where, "not an object");
  uint64_t inuse_bytes, inuse_blocks, alloc_bytes, alloc_blocks;
  snap_site site = {0};
  if (get_u64(r, o, "inuse_bytes", where, 0, &inuse_bytes) != 0 ||
      get_u64(r, o, "inuse_blocks", where, 0, &inuse_blocks) != 0 ||
      get_u64(r, o, "alloc_bytes", where, 0, &alloc_bytes) != 0 ||
      get_u64(r, o, "alloc_blocks", where, 0, &alloc_blocks) != 0 || read_stack(r, o, where, &site.stack) != 0)
    return -1;
  if (inuse_bytes > INT64_MAX || inuse_blocks > INT64_MAX || alloc_bytes > INT64_MAX || alloc_blocks > INT64_MAX)
    return bad(r, where, "a count out of range");
  site.inuse_bytes = (int64_t)inuse_bytes;
  site.inuse_objects = (int64_t)inuse_blocks;
  site.alloc_bytes = (int64_t)alloc_bytes;
  site.alloc_objects = (int64_t)alloc_blocks;
  const json_t *lifetimes = json_object_get(o, "lifetimes");
  if (lifetimes != NULL && read_lifetimes(r, lifetimes, where, &site) != 0) return -1;
  if (snap_add_site(r->snap, &site) < 0) return bad(r, where, "out of memory");
  return 0;
}

/* A report without "sites" (written before they were): each loss record's
 * blocks, live at exit, stand for its stack's site. */
static int sites_from_records(rr *r) {
  snapshot *s = r->snap;
  for (uint32_t i = 0; i < s->nleaks; i++) {
    const snap_leak *l = &s->leaks[i];
    snap_site site = {.stack = l->stack, .inuse_bytes = (int64_t)l->bytes, .inuse_objects = (int64_t)l->blocks,
                      .alloc_bytes = (int64_t)l->bytes, .alloc_objects = (int64_t)l->blocks};
    if (snap_add_site(s, &site) < 0) return bad(r, "records", "out of memory");
  }
  return 0;
}

static int read_summary(rr *r, const json_t *sum) {
  if (!json_is_object(sum)) return bad(r, "summary", "not an object");
  for (int k = 0; k <= SNAP_KIND_COUNT; k++) {
    const char *name = k < SNAP_KIND_COUNT ? snap_kind_name((snap_kind)k) : "suppressed";
    snap_amount *a = k < SNAP_KIND_COUNT ? &r->snap->summary[k] : &r->snap->suppressed;
    const json_t *v = json_object_get(sum, name);
    char where[64];
    snprintf(where, sizeof where, "summary.%s", name);
    if (v == NULL) return bad(r, where, "missing");
    if (!json_is_object(v)) return bad(r, where, "not an object");
    if (get_u64(r, v, "bytes", where, 0, &a->bytes) != 0 ||
        get_u64(r, v, "blocks", where, 0, &a->blocks) != 0)
      return -1;
  }
  return 0;
}

static int read_peak(rr *r, const json_t *t) {
  if (json_object_get(t, "peak_bytes") == NULL) return 0;
  if (get_u64(r, t, "peak_bytes", "totals", 0, &r->snap->peak_bytes) != 0) return -1;
  r->snap->has_peak = 1;
  return 0;
}

static int read_totals(rr *r, const json_t *t) {
  if (!json_is_object(t)) return bad(r, "totals", "not an object");
  snapshot *s = r->snap;
  return get_u64(r, t, "allocs", "totals", 1, &s->total_allocs) |
         get_u64(r, t, "frees", "totals", 1, &s->total_frees) |
         get_u64(r, t, "bytes_allocated", "totals", 1, &s->total_bytes_allocated) |
         get_u64(r, t, "inuse_bytes", "totals", 1, &s->inuse_bytes) |
         get_u64(r, t, "inuse_blocks", "totals", 1, &s->inuse_objects) | read_peak(r, t);
}

static int read_command(rr *r, const json_t *cmd) {
  if (!json_is_array(cmd)) return bad(r, "command", "not an array");
  size_t n = json_array_size(cmd);
  if (n > 1000000) return bad(r, "command", "too many arguments");
  snapshot *s = r->snap;
  s->argv = snap_alloc(s, (n + 1) * sizeof *s->argv);
  if (s->argv == NULL) return bad(r, "command", "out of memory");
  for (size_t i = 0; i < n; i++) {
    const json_t *a = json_array_get(cmd, i);
    if (!json_is_string(a)) return bad(r, "command", "not an array of strings");
    s->argv[i] = snap_str(s, json_string_value(a));
    if (s->argv[i] == NULL) return bad(r, "command", "out of memory");
  }
  s->argc = (int)n;
  s->exe = n ? s->argv[0] : NULL;
  return 0;
}

/* ---- retention ---- */

/* An array member of obj with at most max entries (an absent one is empty). */
static int get_array(rr *r, const json_t *obj, const char *key, const char *where, size_t max,
                     const json_t **out, size_t *n) {
  *out = json_object_get(obj, key);
  *n = 0;
  if (*out == NULL) return 0;
  if (!json_is_array(*out)) {
    char field[96];
    snprintf(field, sizeof field, "%s.%s", where, key);
    return bad(r, field, "not an array");
  }
  *n = json_array_size(*out);
  return *n > max ? bad(r, where, "too many entries") : 0;
}

/* A root index ("root", "path_root"): an integer below nroots, or null. */
static int get_root_index(rr *r, const json_t *obj, const char *key, const char *where, uint32_t nroots,
                          int32_t *out) {
  const json_t *v = json_object_get(obj, key);
  *out = -1;
  if (v == NULL || json_is_null(v)) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) >= nroots)
    return bad(r, where, "a root index out of range");
  *out = (int32_t)json_integer_value(v);
  return 0;
}

static int read_amount(rr *r, const json_t *obj, const char *key, uint64_t *bytes, uint64_t *blocks) {
  const json_t *a = json_object_get(obj, key);
  char where[64];
  snprintf(where, sizeof where, "retention.%s", key);
  if (!json_is_object(a)) return bad(r, where, "not an object");
  return get_u64(r, a, "bytes", where, 0, bytes) != 0 || get_u64(r, a, "blocks", where, 0, blocks) != 0
             ? -1 : 0;
}

static int read_rroot(rr *r, const json_t *o, const char *where, snap_rroot *root) {
  uint64_t tid = 0;
  if (!json_is_object(o)) return bad(r, where, "not an object");
  if (get_str(r, o, "kind", where, &root->kind) != 0 || get_str(r, o, "name", where, &root->name) != 0 ||
      get_str(r, o, "symbol", where, &root->symbol) != 0 || get_str(r, o, "object", where, &root->object) != 0 ||
      get_u64(r, o, "tid", where, 1, &tid) != 0 || get_u64(r, o, "retained_bytes", where, 0, &root->retained_bytes) != 0 ||
      get_u64(r, o, "retained_blocks", where, 0, &root->retained_blocks) != 0)
    return -1;
  if (root->kind == NULL || root->name == NULL) return bad(r, where, "a root needs \"kind\" and \"name\"");
  if (tid > INT32_MAX) return bad(r, where, "\"tid\" out of range");
  root->tid = (int)tid;
  return 0;
}

/* A path step: its block and leaf frame, kept as a one-frame stack. */
static int read_rstep(rr *r, const json_t *o, const char *where, snap_rstep *step) {
  if (!json_is_object(o)) return bad(r, where, "not an object");
  const char *addr;
  uint32_t loc;
  if (get_str(r, o, "address", where, &addr) != 0 || get_u64(r, o, "bytes", where, 0, &step->bytes) != 0)
    return -1;
  if (parse_hex(addr, &step->address) != 0) return bad(r, where, "\"address\" is not a 64-bit hex \"0x...\"");
  if (read_frame(r, o, where, &loc) != 0) return -1;
  int64_t sid = snap_add_stack(r->snap, &loc, 1);
  if (sid < 0) return bad(r, where, "out of memory");
  step->stack = (uint32_t)sid;
  return 0;
}

static int read_retainer(rr *r, const json_t *o, const char *where, uint32_t nroots, snap_retainer *t) {
  const char *addr;
  if (!json_is_object(o)) return bad(r, where, "not an object");
  if (get_root_index(r, o, "root", where, nroots, &t->root) != 0 ||
      get_root_index(r, o, "path_root", where, nroots, &t->path_root) != 0 ||
      get_u64(r, o, "blocks", where, 0, &t->blocks) != 0 || get_u64(r, o, "bytes", where, 0, &t->bytes) != 0 ||
      get_u64(r, o, "retained_bytes", where, 0, &t->retained_bytes) != 0 ||
      get_u64(r, o, "retained_blocks", where, 0, &t->retained_blocks) != 0 ||
      get_str(r, o, "address", where, &addr) != 0 || read_stack(r, o, where, &t->stack) != 0)
    return -1;
  if (parse_hex(addr, &t->address) != 0) return bad(r, where, "\"address\" is not a 64-bit hex \"0x...\"");
  const json_t *path;
  size_t n;
  if (get_array(r, o, "path", where, 1u << 20, &path, &n) != 0) return -1;
  t->npath = (uint32_t)n;
  t->path = snap_alloc(r->snap, (n ? n : 1) * sizeof *t->path);
  if (t->path == NULL) return bad(r, where, "out of memory");
  for (size_t i = 0; i < n; i++) {
    char w[128];
    snprintf(w, sizeof w, "%s.path[%zu]", where, i);
    if (read_rstep(r, json_array_get(path, i), w, &t->path[i]) != 0) return -1;
  }
  return 0;
}

static int read_retention(rr *r, const json_t *o) {
  if (!json_is_object(o)) return bad(r, "retention", "not an object");
  snap_retention *ret = snap_alloc(r->snap, sizeof *ret);
  if (ret == NULL) return bad(r, "retention", "out of memory");
  if (read_amount(r, o, "reachable", &ret->reachable_bytes, &ret->reachable_blocks) != 0 ||
      read_amount(r, o, "shared", &ret->shared_bytes, &ret->shared_blocks) != 0)
    return -1;
  const json_t *roots, *retainers, *sites;
  size_t nroots, nretainers, nsites;
  if (get_array(r, o, "roots", "retention", 1u << 24, &roots, &nroots) != 0 ||
      get_array(r, o, "retainers", "retention", 1u << 24, &retainers, &nretainers) != 0 ||
      get_array(r, o, "sites", "retention", 1u << 24, &sites, &nsites) != 0)
    return -1;
  ret->nroots = (uint32_t)nroots;
  ret->nretainers = (uint32_t)nretainers;
  ret->nsites = (uint32_t)nsites;
  ret->roots = snap_alloc(r->snap, (nroots ? nroots : 1) * sizeof *ret->roots);
  ret->retainers = snap_alloc(r->snap, (nretainers ? nretainers : 1) * sizeof *ret->retainers);
  ret->sites = snap_alloc(r->snap, (nsites ? nsites : 1) * sizeof *ret->sites);
  if (ret->roots == NULL || ret->retainers == NULL || ret->sites == NULL)
    return bad(r, "retention", "out of memory");
  char where[96];
  for (size_t i = 0; i < nroots; i++) {
    snprintf(where, sizeof where, "retention.roots[%zu]", i);
    if (read_rroot(r, json_array_get(roots, i), where, &ret->roots[i]) != 0) return -1;
  }
  for (size_t i = 0; i < nretainers; i++) {
    snprintf(where, sizeof where, "retention.retainers[%zu]", i);
    if (read_retainer(r, json_array_get(retainers, i), where, ret->nroots, &ret->retainers[i]) != 0)
      return -1;
  }
  for (size_t i = 0; i < nsites; i++) {
    snprintf(where, sizeof where, "retention.sites[%zu]", i);
    const json_t *s = json_array_get(sites, i);
    snap_rsite *site = &ret->sites[i];
    if (!json_is_object(s)) return bad(r, where, "not an object");
    if (get_u64(r, s, "blocks", where, 0, &site->blocks) != 0 ||
        get_u64(r, s, "retained_bytes", where, 0, &site->retained_bytes) != 0 ||
        get_u64(r, s, "retained_blocks", where, 0, &site->retained_blocks) != 0 ||
        read_stack(r, s, where, &site->stack) != 0)
      return -1;
  }
  r->snap->retention = ret;
  return 0;
}

static int read_top(rr *r, const json_t *root) {
  snapshot *s = r->snap;
  if (!json_is_object(root)) return bad(r, "top level", "not a JSON object");
  const char *schema;
  if (get_str(r, root, "schema", "", &schema) != 0) return -1;
  if (schema == NULL || strcmp(schema, "leakscope-report/1") != 0)
    return bad(r, "schema", "not a leakscope-report/1 report");
  const json_t *v;
  if ((v = json_object_get(root, "command")) != NULL && read_command(r, v) != 0) return -1;
  uint64_t pid = 0;
  if (get_u64(r, root, "pid", "", 1, &pid) != 0) return -1;
  if (pid > INT32_MAX) return bad(r, "pid", "out of range");
  s->pid = (int)pid;
  if ((v = json_object_get(root, "exit_code")) != NULL && !json_is_null(v)) { /* null: unknown */
    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
        json_integer_value(v) > INT32_MAX)
      return bad(r, "exit_code", "not a 32-bit integer");
    s->exit_code = (int)json_integer_value(v);
  }
  uint64_t sig = 0;
  if (get_u64(r, root, "signal", "", 1, &sig) != 0) return -1;
  if (sig > 64) return bad(r, "signal", "not a signal number");
  s->signal = (int)sig;
  const char *mode;
  if (get_str(r, root, "mode", "", &mode) != 0) return -1;
  if (mode != NULL && strcmp(mode, "full") != 0 && strcmp(mode, "sample") != 0)
    return bad(r, "mode", "neither \"full\" nor \"sample\"");
  if (mode != NULL) s->mode = mode;
  if (get_u64(r, root, "sample_interval", "", 1, &s->sample_interval) != 0) return -1;
  const json_t *records = json_object_get(root, "records");
  if (records != NULL && !json_is_array(records)) return bad(r, "records", "not an array");
  for (size_t i = 0; i < json_array_size(records); i++)
    if (read_record(r, json_array_get(records, i), i) != 0) return -1;
  if ((v = json_object_get(root, "summary")) != NULL) {
    if (read_summary(r, v) != 0) return -1;
  } else {
    snap_recount(s);
  }
  /* without "leak_check" (older reports): a full-mode report with findings */
  int has_findings = v != NULL || records != NULL;
  const json_t *check = json_object_get(root, "leak_check");
  if (check != NULL && !json_is_boolean(check)) return bad(r, "leak_check", "not a boolean");
  s->has_leak_check = check != NULL ? json_is_true(check) : has_findings && strcmp(s->mode, "sample") != 0;
  if (!s->has_leak_check) {
    s->nleaks = 0;
    memset(s->summary, 0, sizeof s->summary);
    memset(&s->suppressed, 0, sizeof s->suppressed);
  }
  const json_t *sites = json_object_get(root, "sites");
  if (sites != NULL && !json_is_array(sites)) return bad(r, "sites", "not an array");
  for (size_t i = 0; i < json_array_size(sites); i++)
    if (read_site(r, json_array_get(sites, i), i) != 0) return -1;
  if (sites == NULL && sites_from_records(r) != 0) return -1;
  if ((v = json_object_get(root, "totals")) != NULL && read_totals(r, v) != 0) return -1;
  if ((v = json_object_get(root, "retention")) != NULL && read_retention(r, v) != 0) return -1;
  return 0;
}

snapshot *report_read(const char *path, char *err, size_t errlen) {
  json_error_t jerr;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL && json_error_code(&jerr) == json_error_numeric_overflow) {
    snprintf(err, errlen, "%s:%d: a number out of range (%s): counts are read up to 2^63-1", path, jerr.line,
             jerr.text);
    return NULL;
  }
  if (root == NULL) {
    snprintf(err, errlen, "%s:%d: malformed JSON: %s", path, jerr.line, jerr.text);
    return NULL;
  }
  snapshot *s = snap_new();
  if (s == NULL) {
    json_decref(root);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->source_format = "report";
  s->symbolized = 1;
  rr r = {.snap = s, .path = path, .err = err, .errlen = errlen};
  int rc = read_top(&r, root);
  json_decref(root);
  if (rc != 0) {
    snap_free(s);
    return NULL;
  }
  return s;
}
