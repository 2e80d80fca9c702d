/*
 * render/trace.c: the heap over time as a Chrome Trace Event file
 * (docs/INTERCHANGE.md on trace events), for Perfetto UI and chrome://tracing.
 * `leakscope run --trace` feeds it every snapshot the run produces
 * (periodic, growth, budget, request, exit); each becomes, at its time
 * since the program started:
 *   a counter "heap" with the keys inuse_bytes, inuse_objects and
 *     allocated_bytes (one Perfetto track each);
 *   a counter "sites" with one key per allocation site among the largest
 *     by peak in-use bytes over the whole run (the same keys at every point,
 *     0 where a site had nothing, so no track holds a stale value);
 *   for snapshots taken for a reason other than the clock, an instant event
 *   naming it.
 * Names are made plain ASCII (Perfetto's older tokenizer rejects \u escapes).
 */
#include "render/trace.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/json.h"
#include "render/text.h"
#include "util/hmap.h"
#include "util/jsontree.h"
#include "util/vec.h"

#define TRACE_TOP_SITES 10

typedef struct {
  double ts_us;
  uint64_t inuse_bytes, inuse_objects, allocated_bytes;
  char reason[16];
  size_t first_value; /* its site values are values[first_value ..] up to the next point's */
} trace_point;

/* One site's in-use bytes at one point. */
typedef struct {
  uint32_t point, site;
  int64_t bytes;
} trace_value;

struct trace_log {
  trace_point *points;
  size_t npoints, cap_points;
  char **sites; /* labels, in order of first appearance */
  hmap site_index; /* label -> its place in sites */
  int64_t *peak;
  size_t nsites, cap_sites;
  trace_value *values;
  size_t nvalues, cap_values;
};

trace_log *trace_new(void) { return calloc(1, sizeof(trace_log)); }

void trace_free(trace_log *t) {
  if (t == NULL) return;
  for (size_t i = 0; i < t->nsites; i++) free(t->sites[i]);
  free(t->sites);
  hmap_free(&t->site_index);
  free(t->peak);
  free(t->points);
  free(t->values);
  free(t);
}

/* A site's label: its first two frames, printable ASCII only. */
static void trace_site_label(const snapshot *snap, uint32_t stack, char *buf, size_t len) {
  const snap_stack *st = &snap->stacks[stack];
  size_t used = 0;
  int shown = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < st->nlocs && shown < 2; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    char frame[512];
    render_text_frame(snap, loc, 0, frame, sizeof frame);
    int n = snprintf(buf + used, len - used, "%s%s", shown ? " < " : "", frame);
    if (n < 0 || (size_t)n >= len - used) break;
    used += (size_t)n;
    shown++;
  }
  if (!shown) snprintf(buf, len, "(no stack)");
  for (char *c = buf; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
}

static int64_t trace_site_index(trace_log *t, const char *label) {
  uint64_t i;
  if (hmap_get_str(&t->site_index, label, &i)) return (int64_t)i;
  if (vec_reserve_pair(&t->sites, sizeof *t->sites, &t->peak, sizeof *t->peak, &t->cap_sites,
                       t->nsites + 1) != 0)
    return -1;
  char *copy = strdup(label);
  if (copy == NULL || hmap_put_str(&t->site_index, copy, t->nsites) != 0) {
    free(copy);
    return -1;
  }
  t->sites[t->nsites] = copy;
  t->peak[t->nsites] = 0;
  return (int64_t)t->nsites++;
}

int trace_add(trace_log *t, const snapshot *snap) {
  if (vec_reserve(&t->points, &t->cap_points, t->npoints + 1, sizeof *t->points) != 0) return -1;
  trace_point *p = &t->points[t->npoints];
  p->ts_us = (double)snap->duration_ns / 1000.0;
  p->inuse_bytes = snap->inuse_bytes;
  p->inuse_objects = snap->inuse_objects;
  p->allocated_bytes = snap->total_bytes_allocated;
  snprintf(p->reason, sizeof p->reason, "%s", snap->reason ? snap->reason : "exit");
  p->first_value = t->nvalues;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    const snap_site *s = &snap->sites[i];
    if (s->inuse_bytes <= 0) continue;
    char label[1100];
    trace_site_label(snap, s->stack, label, sizeof label);
    int64_t site = trace_site_index(t, label);
    if (site < 0 || vec_reserve(&t->values, &t->cap_values, t->nvalues + 1, sizeof *t->values) != 0)
      return -1;
    /* two stacks can share a label: their bytes add up */
    trace_value *last = t->nvalues ? &t->values[t->nvalues - 1] : NULL;
    if (last != NULL && last->point == t->npoints && last->site == (uint32_t)site) last->bytes += s->inuse_bytes;
    else t->values[t->nvalues++] = (trace_value){(uint32_t)t->npoints, (uint32_t)site, s->inuse_bytes};
  }
  for (size_t v = t->points[t->npoints].first_value; v < t->nvalues; v++)
    if (t->values[v].bytes > t->peak[t->values[v].site]) t->peak[t->values[v].site] = t->values[v].bytes;
  t->npoints++;
  return 0;
}

static int trace_by_peak(const void *pa, const void *pb, void *arg) {
  const int64_t *peak = arg;
  int64_t a = peak[*(const uint32_t *)pa], b = peak[*(const uint32_t *)pb];
  return a > b ? -1 : a < b ? 1 : 0;
}

static json_t *trace_events(const trace_log *t, const char *process_name, int pid) {
  json_t *events = json_array();
  char name[512];
  snprintf(name, sizeof name, "%s", process_name);
  for (char *c = name; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
  json_array_append_new(events, json_pack("{s:s,s:s,s:i,s:{s:s}}", "name", "process_name", "ph", "M",
                                          "pid", pid, "args", "name", name));
  uint32_t *order = malloc((t->nsites ? t->nsites : 1) * sizeof *order);
  int64_t *rank = malloc((t->nsites ? t->nsites : 1) * sizeof *rank); /* site -> its place in top, or -1 */
  if (order == NULL || rank == NULL) {
    free(order);
    free(rank);
    json_decref(events);
    return NULL;
  }
  for (uint32_t i = 0; i < t->nsites; i++) order[i] = i;
  qsort_r(order, t->nsites, sizeof *order, trace_by_peak, t->peak);
  size_t top = t->nsites < TRACE_TOP_SITES ? t->nsites : TRACE_TOP_SITES;
  for (size_t i = 0; i < t->nsites; i++) rank[i] = -1;
  for (size_t k = 0; k < top; k++) rank[order[k]] = (int64_t)k;
  for (size_t i = 0; i < t->npoints; i++) {
    const trace_point *p = &t->points[i];
    json_array_append_new(events, json_pack("{s:s,s:s,s:f,s:i,s:{s:o,s:o,s:o}}", "name", "heap", "ph", "C",
                                            "ts", p->ts_us, "pid", pid, "args", "inuse_bytes",
                                            jsontree_u64(p->inuse_bytes), "inuse_objects",
                                            jsontree_u64(p->inuse_objects), "allocated_bytes",
                                            jsontree_u64(p->allocated_bytes)));
    if (top > 0) {
      int64_t bytes[TRACE_TOP_SITES] = {0};
      size_t end = i + 1 < t->npoints ? t->points[i + 1].first_value : t->nvalues;
      for (size_t v = p->first_value; v < end; v++)
        if (rank[t->values[v].site] >= 0) bytes[rank[t->values[v].site]] += t->values[v].bytes;
      json_t *args = json_object();
      for (size_t k = 0; k < top; k++) json_object_set_new(args, t->sites[order[k]], json_integer(bytes[k]));
      json_array_append_new(events, json_pack("{s:s,s:s,s:f,s:i,s:o}", "name", "sites", "ph", "C", "ts",
                                              p->ts_us, "pid", pid, "args", args));
    }
    if (strcmp(p->reason, "interval") != 0)
      json_array_append_new(events, json_pack("{s:s,s:s,s:s,s:f,s:i}", "name", p->reason, "ph", "i", "s",
                                              "p", "ts", p->ts_us, "pid", pid));
  }
  free(order);
  free(rank);
  return events;
}

int trace_write(const trace_log *t, const char *path, const char *process_name, int pid, char *err,
                size_t errlen) {
  json_t *events = trace_events(t, process_name, pid);
  if (events == NULL) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  /* displayTimeUnit first: Perfetto reads it only near the start */
  json_t *root = json_pack("{s:s,s:o}", "displayTimeUnit", "ms", "traceEvents", events);
  if (root == NULL) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  return render_json_dump(root, path, JSON_COMPACT | JSON_ENSURE_ASCII, err, errlen);
}
