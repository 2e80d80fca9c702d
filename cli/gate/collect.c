/*
 * gate/collect.c: read one gate input into the gate's data (gate/data.h).
 * The format is told by content (read/load.h): Valgrind memcheck XML is
 * read streaming with read/vgxml.h, the others (a leakscope JSON report, a
 * raw snapshot, a pprof profile) as snapshots.
 *
 * Valgrind XML: a definite record's indirect bytes are split off by vgxml;
 * indirectly_lost is the sum of the Leak_IndirectlyLost records when the
 * file has any, else the indirect bytes the definite records hold (the
 * same number: every indirect block hangs off one definite clique; blocks
 * are then unknown).  A protocol 6 <leak_summary> replaces the sums.
 */
#include "gate/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/prepare.h"
#include "read/load.h"
#include "read/vgxml.h"
#include "util/vec.h"

#define PATH_SCRATCH (2 * VGXML_MAX_TEXT + 2)

static int add_u64(uint64_t *acc, uint64_t v) {
  if (v > UINT64_MAX - *acc) return -1;
  *acc += v;
  return 0;
}

static int add_amount(snap_amount *acc, uint64_t bytes, uint64_t blocks) {
  return add_u64(&acc->bytes, bytes) | add_u64(&acc->blocks, blocks);
}

/* ---- Valgrind XML ---- */

typedef struct {
  gate_data *d;
  uint32_t input;
  snap_amount kinds[SNAP_KIND_COUNT];
  uint64_t indirect_held;   /* indirect bytes held by definite records */
  int has_indirect_records;
  char *scratch;            /* joined dir/file per frame */
  const char *path;
} xml_ctx;

static int xml_leak(void *ud, const vgxml_leak *l, char *err, size_t errlen) {
  xml_ctx *x = ud;
  if (add_amount(&x->kinds[l->kind], l->bytes, l->blocks) != 0 ||
      add_u64(&x->indirect_held, l->indirect_bytes) != 0) {
    snprintf(err, errlen, "%s: leak totals overflow 64 bits", x->path);
    return -1;
  }
  if (l->kind == SNAP_INDIRECT) x->has_indirect_records = 1;
  gate_frame frames[GATE_KEEP_FRAMES];
  uint32_t n = l->nframes < GATE_KEEP_FRAMES ? l->nframes : GATE_KEEP_FRAMES;
  for (uint32_t i = 0; i < n; i++) {
    const vgxml_frame *f = &l->frames[i];
    char *path = NULL;
    if (f->file != NULL) {
      path = x->scratch + (size_t)i * PATH_SCRATCH;
      if (f->dir != NULL && f->file[0] != '/')
        snprintf(path, PATH_SCRATCH, "%s/%s", f->dir, f->file);
      else
        snprintf(path, PATH_SCRATCH, "%s", f->file);
    }
    frames[i] = (gate_frame){.ip = f->ip, .fn = (char *)f->fn, .file = path,
                             .obj = (char *)f->obj, .line = f->line};
  }
  gate_record r = {.kind = l->kind, .bytes = l->bytes, .indirect_bytes = l->indirect_bytes,
                   .blocks = l->blocks, .input = x->input, .nframes = n, .frames = frames};
  if (gate_data_add_record(x->d, &r) != 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

static int xml_supp(void *ud, const char *name, uint64_t count, char *err, size_t errlen) {
  xml_ctx *x = ud;
  if (gate_data_add_suppressed(x->d, name, count) != 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

static int collect_xml(gate_data *d, uint32_t input, FILE *f, const char *path, char *err,
                       size_t errlen) {
  xml_ctx x = {.d = d, .input = input, .path = path};
  x.scratch = malloc((size_t)GATE_KEEP_FRAMES * PATH_SCRATCH);
  if (x.scratch == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  vgxml_handler h = {.ctx = &x, .leak = xml_leak, .suppcount = xml_supp};
  vgxml_info info;
  int rc = vgxml_read(f, path, &h, &info, err, errlen);
  free(x.scratch);
  if (rc != 0) return -1;
  snap_amount *kinds = x.kinds;
  int indirect_blocks_unknown = 0;
  if (info.summary.has_leak_summary) {
    kinds = info.summary.kinds;
  } else if (!x.has_indirect_records) {
    kinds[SNAP_INDIRECT].bytes = x.indirect_held;
    indirect_blocks_unknown = x.indirect_held != 0;
  }
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    if (add_amount(&d->kinds[k], kinds[k].bytes, kinds[k].blocks) != 0) {
      snprintf(err, errlen, "%s: leak totals overflow 64 bits", path);
      return -1;
    }
  if (indirect_blocks_unknown) d->blocks_unknown[SNAP_INDIRECT] = 1;
  if (info.summary.has_heap_summary) {
    d->inputs[input].has_inuse = 1;
    d->inputs[input].inuse_bytes = info.summary.inuse_bytes;
  }
  return 0;
}

/* ---- snapshots: reports, raw snapshots, profiles ---- */

/* The frames of a snapshot stack: one per line of each location (inlined
 * first), or one address-only frame for an unsymbolized location. */
static uint32_t stack_frames(const snapshot *s, uint32_t stack, gate_frame *out, uint32_t max) {
  const snap_stack *st = &s->stacks[stack];
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->nlocs && n < max; i++) {
    const snap_location *loc = &s->locations[st->locs[i]];
    char *obj = NULL;
    if (loc->module >= 0 && (uint32_t)loc->module < s->nmodules)
      obj = (char *)s->modules[loc->module].path;
    if (loc->nlines == 0) {
      out[n++] = (gate_frame){.ip = loc->address, .obj = obj};
      continue;
    }
    for (uint32_t j = 0; j < loc->nlines && n < max; j++)
      out[n++] = (gate_frame){.ip = loc->address, .obj = obj,
                              .fn = (char *)loc->lines[j].function,
                              .file = (char *)loc->lines[j].file,
                              .line = loc->lines[j].line > 0 ? (uint64_t)loc->lines[j].line : 0};
  }
  return n;
}

static int collect_leaks(gate_data *d, uint32_t input, const snapshot *s, const char *path,
                         char *err, size_t errlen) {
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    if (add_amount(&d->kinds[k], s->summary[k].bytes, s->summary[k].blocks) != 0) {
      snprintf(err, errlen, "%s: leak totals overflow 64 bits", path);
      return -1;
    }
  for (uint32_t i = 0; i < s->nleaks; i++) {
    const snap_leak *l = &s->leaks[i];
    if (l->stack >= s->nstacks) {
      snprintf(err, errlen, "%s: leak record %u has no stack", path, i);
      return -1;
    }
    if (l->suppressed_by != NULL) {
      if (gate_data_add_suppressed(d, l->suppressed_by, 1) != 0) goto oom;
      continue;
    }
    gate_frame frames[GATE_KEEP_FRAMES];
    gate_record r = {.kind = l->kind, .bytes = l->bytes, .indirect_bytes = l->indirect_bytes,
                     .blocks = l->blocks, .input = input, .frames = frames};
    r.nframes = stack_frames(s, l->stack, frames, GATE_KEEP_FRAMES);
    if (gate_data_add_record(d, &r) != 0) goto oom;
  }
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
  return -1;
}

static uint64_t live_bytes(const snapshot *s) {
  if (s->inuse_bytes != 0) return s->inuse_bytes;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < s->nsites; i++)
    if (s->sites[i].inuse_bytes > 0) sum += (uint64_t)s->sites[i].inuse_bytes;
  return sum;
}

/* The largest roots of an input's retention (GATE_HOLDERS_PER_INPUT). */
#define GATE_HOLDERS_PER_INPUT 10
static int collect_holders(gate_data *d, uint32_t input, const snapshot *s, char *err,
                           size_t errlen) {
  const snap_retention *r = s->retention;
  for (uint32_t i = 0; r != NULL && i < r->nroots && i < GATE_HOLDERS_PER_INPUT; i++) {
    if (r->roots[i].retained_blocks == 0) continue;
    char *root = NULL;
    if (vec_reserve(&d->holders, &d->cap_holders, (size_t)d->nholders + 1, sizeof *d->holders) != 0 ||
        (root = strdup(r->roots[i].name)) == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    d->holders[d->nholders++] = (gate_holder){root, r->roots[i].retained_bytes, r->roots[i].retained_blocks, input};
  }
  return 0;
}

static int collect_snapshot(gate_data *d, uint32_t input, snapshot *s, const char *path,
                            char *err, size_t errlen) {
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE | PREPARE_RETAIN};
  if (prepare_snapshot(s, &p, err, errlen) != 0) return -1;
  if (s->has_leak_check && collect_leaks(d, input, s, path, err, errlen) != 0) return -1;
  d->inputs[input].has_leak_check = s->has_leak_check;
  d->inputs[input].mode = strcmp(s->mode, "sample") == 0 ? "sample" : "full";
  if (collect_holders(d, input, s, err, errlen) != 0) return -1;
  d->inputs[input].has_inuse = 1;
  d->inputs[input].inuse_bytes = live_bytes(s);
  return 0;
}

int gate_collect(gate_data *d, const char *path, char *err, size_t errlen) {
  load_format format;
  if (load_detect(path, &format, err, errlen) != 0) return -1;
  if (format == LOAD_VGXML) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
      snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
      return -1;
    }
    int64_t in = gate_data_add_input(d, path, "valgrind-xml");
    int rc = in < 0 ? -1 : collect_xml(d, (uint32_t)in, f, path, err, errlen);
    if (in < 0) {
      snprintf(err, errlen, "out of memory");
    } else {
      d->inputs[in].has_leak_check = 1;
      d->inputs[in].mode = "full";
    }
    fclose(f);
    return rc;
  }
  int is_report = format == LOAD_REPORT;
  snapshot *s = load_as(path, format, err, errlen);
  if (s == NULL) return -1;
  int64_t in = gate_data_add_input(d, path, is_report ? "report" : "profile");
  if (in < 0) {
    snap_free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (collect_snapshot(d, (uint32_t)in, s, path, err, errlen) != 0) {
    snap_free(s);
    return -1;
  }
  if (is_report || s->nsites == 0) {
    snap_free(s);
    return 0;
  }
  if (vec_reserve(&d->profiles, &d->cap_profiles, (size_t)d->nprofiles + 1, sizeof *d->profiles) != 0) {
    snap_free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  d->profiles[d->nprofiles++] = s;
  return 0;
}
