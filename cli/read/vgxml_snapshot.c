/*
 * read/vgxml_snapshot.c: Valgrind memcheck XML into a snapshot (see
 * read/vgxml_snapshot.h).  Each frame becomes its own symbolized location
 * (the file joined to its directory); each loss record a leak and a site
 * whose blocks, live at exit, are its in-use and allocated amounts.  A
 * protocol 6 <leak_summary> replaces the sums of the records (it counts
 * suppressed blocks too), as memcheck's own summary would.
 */
#include "read/vgxml_snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/vgxml.h"

typedef struct {
  snapshot *snap;
  const char *path;
} vgxml_snapshot_ctx;

static int32_t vgxml_snapshot_module(snapshot *s, const char *obj) {
  if (obj == NULL) return -1;
  for (uint32_t i = 0; i < s->nmodules; i++)
    if (strcmp(s->modules[i].path, obj) == 0) return (int32_t)i;
  snap_module m = {.path = snap_str(s, obj)};
  if (m.path == NULL) return -2;
  int64_t idx = snap_add_module(s, &m);
  return idx < 0 || idx > INT32_MAX ? -2 : (int32_t)idx;
}

/* One frame as a location of its own; its index, or -1 (out of memory). */
static int64_t vgxml_snapshot_location(snapshot *s, const vgxml_frame *f) {
  snap_location loc = {.address = f->ip, .module = vgxml_snapshot_module(s, f->obj)};
  if (loc.module == -2) return -1;
  if (f->fn != NULL || f->file != NULL) {
    snap_line *line = snap_alloc(s, sizeof *line);
    if (line == NULL) return -1;
    line->function = snap_str(s, f->fn);
    line->line = f->line <= INT64_MAX ? (int64_t)f->line : 0;
    if (f->file != NULL && f->dir != NULL && f->file[0] != '/') {
      size_t n = strlen(f->dir) + strlen(f->file) + 2;
      char *joined = snap_alloc(s, n);
      if (joined == NULL) return -1;
      snprintf(joined, n, "%s/%s", f->dir, f->file);
      line->file = joined;
    } else {
      line->file = snap_str(s, f->file);
    }
    loc.lines = line;
    loc.nlines = 1;
  }
  return snap_add_location(s, &loc);
}

static int vgxml_snapshot_leak(void *ud, const vgxml_leak *l, char *err, size_t errlen) {
  vgxml_snapshot_ctx *c = ud;
  snapshot *s = c->snap;
  uint32_t *locs = malloc((l->nframes ? l->nframes : 1) * sizeof *locs);
  if (locs == NULL) goto oom;
  for (uint32_t i = 0; i < l->nframes; i++) {
    int64_t loc = vgxml_snapshot_location(s, &l->frames[i]);
    if (loc < 0) {
      free(locs);
      goto oom;
    }
    locs[i] = (uint32_t)loc;
  }
  int64_t stack = snap_add_stack(s, locs, l->nframes);
  free(locs);
  if (stack < 0) goto oom;
  snap_leak leak = {.kind = l->kind, .stack = (uint32_t)stack, .blocks = l->blocks, .bytes = l->bytes,
                    .indirect_bytes = l->indirect_bytes};
  snap_site site = {.stack = (uint32_t)stack, .alloc_objects = (int64_t)l->blocks, .alloc_bytes = (int64_t)l->bytes,
                    .inuse_objects = (int64_t)l->blocks, .inuse_bytes = (int64_t)l->bytes};
  if (snap_add_leak(s, &leak) < 0 || snap_add_site(s, &site) < 0) goto oom;
  return 0;
oom:
  snprintf(err, errlen, "%s: out of memory", c->path);
  return -1;
}

snapshot *vgxml_snapshot_read(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  snapshot *s = snap_new();
  if (s == NULL) {
    fclose(f);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  vgxml_snapshot_ctx c = {.snap = s, .path = path};
  vgxml_handler h = {.ctx = &c, .leak = vgxml_snapshot_leak};
  vgxml_info info;
  int rc = vgxml_read(f, path, &h, &info, err, errlen);
  fclose(f);
  if (rc != 0) {
    snap_free(s);
    return NULL;
  }
  s->source_format = "valgrind-xml";
  s->symbolized = 1;
  s->has_leak_check = 1;
  s->pid = info.pid >= 0 && info.pid <= INT32_MAX ? (int)info.pid : 0;
  snap_sort_leaks(s);
  snap_recount(s);
  int has_indirect_records = 0;
  uint64_t indirect_held = 0;
  for (uint32_t i = 0; i < s->nleaks; i++) {
    has_indirect_records |= s->leaks[i].kind == SNAP_INDIRECT;
    indirect_held += s->leaks[i].indirect_bytes;
  }
  if (!has_indirect_records) s->summary[SNAP_INDIRECT].bytes = indirect_held; /* blocks unknown */
  if (info.summary.has_leak_summary) {
    memcpy(s->summary, info.summary.kinds, sizeof s->summary);
    s->suppressed = info.summary.suppressed;
  }
  if (info.summary.has_heap_summary) {
    s->inuse_bytes = info.summary.inuse_bytes;
    s->inuse_objects = info.summary.inuse_blocks;
    s->total_allocs = info.summary.allocs;
    s->total_frees = info.summary.frees;
    s->total_bytes_allocated = info.summary.bytes_allocated;
  }
  return s;
}
