/*
 * gate/data.c: the gate's bounded store of what its inputs said (see
 * gate/data.h): inputs, suppression counts, and per leak kind a min-heap
 * that keeps the GATE_KEEP largest records with copies of their stacks.
 */
#include "gate/data.h"

#include <stdlib.h>
#include <string.h>

#include "model/snapshot.h"
#include "util/text.h"
#include "util/vec.h"

gate_data *gate_data_new(void) { return calloc(1, sizeof(gate_data)); }

static void free_record(gate_record *r) {
  for (uint32_t i = 0; i < r->nframes; i++) {
    free(r->frames[i].fn);
    free(r->frames[i].file);
    free(r->frames[i].obj);
  }
  free(r->frames);
}

void gate_data_free(gate_data *d) {
  if (d == NULL) return;
  for (uint32_t i = 0; i < d->ninputs; i++) free(d->inputs[i].path);
  free(d->inputs);
  for (uint32_t i = 0; i < d->nsupps; i++) free(d->supps[i].name);
  free(d->supps);
  for (int k = 0; k < SNAP_KIND_COUNT; k++) {
    for (uint32_t i = 0; i < d->keep[k].n; i++) free_record(&d->keep[k].recs[i]);
    free(d->keep[k].recs);
  }
  for (uint32_t i = 0; i < d->nprofiles; i++) snap_free(d->profiles[i]);
  free(d->profiles);
  for (uint32_t i = 0; i < d->nholders; i++) free(d->holders[i].root);
  free(d->holders);
  free(d);
}

int64_t gate_data_add_input(gate_data *d, const char *path, const char *format) {
  if (vec_reserve(&d->inputs, &d->cap_inputs, (size_t)d->ninputs + 1, sizeof *d->inputs) != 0) return -1;
  gate_input *in = &d->inputs[d->ninputs];
  memset(in, 0, sizeof *in);
  in->path = strdup(path);
  in->format = format;
  if (in->path == NULL) return -1;
  return d->ninputs++;
}

int gate_data_add_suppressed(gate_data *d, const char *name, uint64_t n) {
  d->suppressed_records = n > UINT64_MAX - d->suppressed_records ? UINT64_MAX
                                                                 : d->suppressed_records + n;
  for (uint32_t i = 0; i < d->nsupps; i++)
    if (strcmp(d->supps[i].name, name) == 0) {
      d->supps[i].count = n > UINT64_MAX - d->supps[i].count ? UINT64_MAX : d->supps[i].count + n;
      return 0;
    }
  if (vec_reserve(&d->supps, &d->cap_supps, (size_t)d->nsupps + 1, sizeof *d->supps) != 0) return -1;
  d->supps[d->nsupps].name = strdup(name);
  d->supps[d->nsupps].count = n;
  if (d->supps[d->nsupps].name == NULL) return -1;
  d->nsupps++;
  return 0;
}

static unsigned __int128 weight(const gate_record *r) {
  return (unsigned __int128)r->bytes + r->indirect_bytes;
}

/* Heap order: the smallest record at index 0. */
static int lighter(const gate_record *a, const gate_record *b) { return weight(a) < weight(b); }

static void sift_down(gate_record *h, uint32_t n, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && lighter(&h[l], &h[m])) m = l;
    if (r < n && lighter(&h[r], &h[m])) m = r;
    if (m == i) return;
    gate_record t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static void sift_up(gate_record *h, uint32_t i) {
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!lighter(&h[i], &h[parent])) return;
    gate_record t = h[i];
    h[i] = h[parent];
    h[parent] = t;
    i = parent;
  }
}

/* A copy with invalid UTF-8 bytes and control characters replaced by '?',
 * so every output format can carry it. */
static char *dup_or_null(const char *s, int *oom) {
  if (s == NULL) return NULL;
  char *c = strdup(s);
  if (c == NULL) {
    *oom = 1;
    return NULL;
  }
  text_clean_utf8(c);
  return c;
}

static int copy_record(gate_record *dst, const gate_record *src) {
  *dst = *src;
  dst->nframes = src->nframes < GATE_KEEP_FRAMES ? src->nframes : GATE_KEEP_FRAMES;
  dst->frames = calloc(dst->nframes ? dst->nframes : 1, sizeof *dst->frames);
  if (dst->frames == NULL) return -1;
  int oom = 0;
  for (uint32_t i = 0; i < dst->nframes; i++) {
    dst->frames[i].ip = src->frames[i].ip;
    dst->frames[i].line = src->frames[i].line;
    dst->frames[i].fn = dup_or_null(src->frames[i].fn, &oom);
    dst->frames[i].file = dup_or_null(src->frames[i].file, &oom);
    dst->frames[i].obj = dup_or_null(src->frames[i].obj, &oom);
  }
  if (oom) {
    free_record(dst);
    return -1;
  }
  return 0;
}

int gate_data_add_record(gate_data *d, const gate_record *r) {
  gate_keep *k = &d->keep[r->kind];
  k->seen++;
  if (k->recs == NULL) {
    k->recs = calloc(GATE_KEEP, sizeof *k->recs);
    if (k->recs == NULL) return -1;
  }
  if (k->n < GATE_KEEP) {
    if (copy_record(&k->recs[k->n], r) != 0) return -1;
    sift_up(k->recs, k->n++);
    return 0;
  }
  if (!lighter(&k->recs[0], r)) return 0;
  gate_record fresh;
  if (copy_record(&fresh, r) != 0) return -1;
  free_record(&k->recs[0]);
  k->recs[0] = fresh;
  sift_down(k->recs, k->n, 0);
  return 0;
}

static int heavier_first(const void *pa, const void *pb) {
  unsigned __int128 a = weight(pa), b = weight(pb);
  if (a != b) return a > b ? -1 : 1;
  const gate_record *ra = pa, *rb = pb;
  if (ra->blocks != rb->blocks) return ra->blocks > rb->blocks ? -1 : 1;
  return ra->input < rb->input ? -1 : ra->input > rb->input;
}

const gate_record *gate_data_sorted(gate_data *d, snap_kind kind, uint32_t *n) {
  gate_keep *k = &d->keep[kind];
  if (!k->sorted && k->n > 1) qsort(k->recs, k->n, sizeof *k->recs, heavier_first);
  k->sorted = 1;
  *n = k->n;
  return k->recs;
}
