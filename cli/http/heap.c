/*
 * http/heap.c: the pprof endpoints, as Go's net/http/pprof serves them.
 *
 *   /debug/pprof/                 an HTML index of the endpoints
 *   /debug/pprof/heap             the heap profile now (gzip'd profile.proto:
 *                                 alloc_objects, alloc_space, inuse_objects,
 *                                 inuse_space), for `go tool pprof URL`
 *   /debug/pprof/heap?seconds=N   a delta profile: the allocations of the
 *                                 next N seconds (alloc values of the newer
 *                                 snapshot minus the older one, per stack),
 *                                 with the in-use values of the newer one
 *   /debug/pprof/heap?debug=1     the same as text: pprof's legacy heap
 *                                 profile format ("heapprofile", values
 *                                 unsampled) with symbolized frames under
 *                                 each stack, then the statistics
 *   /debug/pprof/allocs           the same samples with alloc_space as the
 *                                 default sample type, as Go serves it
 *                                 (?seconds=N and ?debug=1 too)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "render/text.h"
#include "util/vec.h"

void http_heap_index(http_server *h, http_reply *r) {
  http_reply_text(
      r, 200, "text/html; charset=utf-8",
      "<!DOCTYPE html>\n<html><head><title>/debug/pprof/</title></head><body>\n"
      "<h1>/debug/pprof/</h1>\n<p>leakscope, target pid %d</p>\n<table>\n"
      "<tr><td><a href=\"heap\">heap</a></td><td>heap profile now (inuse and alloc); "
      "<code>go tool pprof %s/debug/pprof/heap</code></td></tr>\n"
      "<tr><td><a href=\"heap?debug=1\">heap?debug=1</a></td><td>the same as text</td></tr>\n"
      "<tr><td><a href=\"heap?seconds=30\">heap?seconds=30</a></td>"
      "<td>allocations during the next 30 seconds</td></tr>\n"
      "<tr><td><a href=\"allocs\">allocs</a></td><td>the same samples, alloc_space first</td></tr>\n"
      "<tr><td><a href=\"symbol\">symbol</a></td><td>addresses to function names (for pprof)</td></tr>\n"
      "<tr><td><a href=\"/metrics\">/metrics</a></td><td>Prometheus metrics</td></tr>\n"
      "<tr><td><a href=\"/debug/leakscope/stats\">/debug/leakscope/stats</a></td>"
      "<td>statistics as JSON</td></tr>\n"
      "<tr><td><a href=\"/debug/leakscope/retain\">/debug/leakscope/retain</a></td>"
      "<td>who holds the memory now (?format=json, ?addr=0x...)</td></tr>\n</table>\n</body></html>\n",
      atomic_load(&h->pid), h->url);
}

/* A growing text buffer. */
typedef struct {
  char *buf;
  size_t len, cap;
  int failed;
} http_text;

__attribute__((format(printf, 2, 3))) static void http_text_add(http_text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = t->failed ? 0 : vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (t->failed || n < 0) {
      t->failed = 1;
      return;
    }
    if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    if (vec_reserve(&t->buf, &t->cap, t->len + (size_t)n + 1, 1) != 0) {
      t->failed = 1;
      return;
    }
  }
}

static int http_site_order(const void *pa, const void *pb) {
  const snap_site *a = pa, *b = pb;
  if (a->inuse_bytes != b->inuse_bytes) return a->inuse_bytes > b->inuse_bytes ? -1 : 1;
  if (a->alloc_bytes != b->alloc_bytes) return a->alloc_bytes > b->alloc_bytes ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* The debug=1 text of a snapshot: legacy heap profile plus frames. */
static void http_heap_text(http_server *h, const snapshot *snap, http_reply *r) {
  http_text t = {malloc(65536), 0, 65536, 0};
  if (t.buf == NULL) t.failed = 1;
  snap_site *sites = malloc((snap->nsites ? snap->nsites : 1) * sizeof *sites);
  if (sites == NULL) t.failed = 1;
  int64_t io = 0, ib = 0, ao = 0, ab = 0;
  for (uint32_t i = 0; sites != NULL && i < snap->nsites; i++) {
    sites[i] = snap->sites[i];
    io += sites[i].inuse_objects;
    ib += sites[i].inuse_bytes;
    ao += sites[i].alloc_objects;
    ab += sites[i].alloc_bytes;
  }
  if (sites != NULL) qsort(sites, snap->nsites, sizeof *sites, http_site_order);
  /* pprof reads four columns only when alloc differs from inuse */
  http_text_add(&t, "heap profile: %" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "] @ heapprofile\n",
                io, ib, ao, ab == ib && ao == io ? ab + 1 : ab);
  for (uint32_t i = 0; sites != NULL && i < snap->nsites; i++) {
    const snap_site *s = &sites[i];
    http_text_add(&t, "%" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "] @", s->inuse_objects,
                  s->inuse_bytes, s->alloc_objects, s->alloc_bytes);
    const snap_stack *st = s->stack < snap->nstacks ? &snap->stacks[s->stack] : NULL;
    for (uint32_t k = 0; st != NULL && k < st->nlocs; k++)
      http_text_add(&t, " 0x%" PRIx64, snap->locations[st->locs[k]].address);
    http_text_add(&t, "\n");
    for (uint32_t k = 0; st != NULL && k < st->nlocs; k++) {
      const snap_location *loc = &snap->locations[st->locs[k]];
      for (uint32_t l = 0; l < (loc->nlines ? loc->nlines : 1); l++) {
        char frame[1024];
        render_text_frame_at(snap, loc, l, frame, sizeof frame);
        http_text_add(&t, "#\t0x%" PRIx64 "\t%s\n", loc->address, frame);
      }
    }
    http_text_add(&t, "\n");
  }
  free(sites);
  http_stats st;
  char err[256];
  if (http_agent_stats(h, &st, err, sizeof err) == 0) {
    http_text_add(&t, "\n# leakscope statistics (pid %d, %s mode)\n", st.pid,
                  st.sample_mode ? "sample" : "full");
    http_text_add(&t, "# live_bytes = %" PRIu64 "\n# live_objects = %" PRIu64 "\n", st.live_bytes,
                  st.live_objects);
    http_text_add(&t, "# allocated_bytes_total = %" PRIu64 "\n# allocations_total = %" PRIu64 "\n",
                  st.allocated_bytes, st.allocations);
    http_text_add(&t, "# frees_total = %" PRIu64 "\n# sampling_interval_bytes = %" PRIu64 "\n",
                  st.frees, st.sample_interval);
    size_t nsuspects;
    free(http_agent_suspects(h, &nsuspects));
    http_text_add(&t, "# snapshots_total = %" PRIu64 "\n# leak_suspects = %zu\n", st.snapshots, nsuspects);
  }
  if (t.failed) {
    free(t.buf);
    http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
    return;
  }
  r->status = 200;
  r->type = "text/plain; charset=utf-8";
  r->body = t.buf;
  r->len = t.len;
}

static int http_key_order(const void *pa, const void *pb) {
  const uint64_t *a = pa, *b = pb;
  return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* Sites of newer with the alloc values of older subtracted, matched by
 * stack; malloc'd, nsites entries. */
static snap_site *http_delta_sites(const snapshot *older, const snapshot *newer) {
  /* older's (key, alloc_objects, alloc_bytes), sorted by key */
  uint64_t (*old)[3] = calloc(older->nsites ? older->nsites : 1, sizeof *old);
  snap_site *sites = malloc((newer->nsites ? newer->nsites : 1) * sizeof *sites);
  if (old == NULL || sites == NULL) {
    free(old);
    free(sites);
    return NULL;
  }
  for (uint32_t i = 0; i < older->nsites; i++) {
    old[i][0] = watch_stack_key(older, older->sites[i].stack);
    old[i][1] = (uint64_t)older->sites[i].alloc_objects;
    old[i][2] = (uint64_t)older->sites[i].alloc_bytes;
  }
  qsort(old, older->nsites, sizeof *old, http_key_order);
  for (uint32_t i = 0; i < newer->nsites; i++) {
    sites[i] = newer->sites[i];
    uint64_t key = watch_stack_key(newer, sites[i].stack);
    size_t lo = 0, hi = older->nsites;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (old[mid][0] < key) lo = mid + 1;
      else hi = mid;
    }
    /* one stack may have several sites: subtract each older one once */
    for (; lo < older->nsites && old[lo][0] == key; lo++) {
      if (old[lo][1] == UINT64_MAX) continue;
      sites[i].alloc_objects -= (int64_t)old[lo][1];
      sites[i].alloc_bytes -= (int64_t)old[lo][2];
      old[lo][1] = UINT64_MAX;
      break;
    }
    if (sites[i].alloc_objects < 0) sites[i].alloc_objects = 0;
    if (sites[i].alloc_bytes < 0) sites[i].alloc_bytes = 0;
  }
  free(old);
  return sites;
}

static void http_error(http_reply *r, unsigned status, const char *what, const char *err) {
  http_reply_text(r, status, "text/plain; charset=utf-8", "%s: %s\n", what, err);
}

void http_heap(http_server *h, long seconds, int debug, const char *default_type, http_reply *r) {
  char err[512];
  http_snap *older = NULL, *newer;
  if (seconds > 0) {
    if ((older = http_agent_snapshot(h, HTTP_PROFILE_CACHE_MS, err, sizeof err)) == NULL) {
      http_error(r, 503, "cannot take the first snapshot", err);
      return;
    }
    if (http_agent_sleep(h, (int)(seconds * 1000)) != 0) {
      http_agent_snap_release(older);
      http_error(r, 503, "no profile", "the target exited");
      return;
    }
    newer = http_agent_snapshot(h, 0, err, sizeof err);
  } else {
    newer = http_agent_snapshot(h, HTTP_PROFILE_CACHE_MS, err, sizeof err);
  }
  if (newer == NULL) {
    http_agent_snap_release(older);
    http_error(r, 503, "cannot take a snapshot", err);
    return;
  }
  if (older == NULL && !debug && default_type == NULL) {
    const unsigned char *data;
    size_t len;
    if (http_agent_snap_pprof(h, newer, &data, &len, err, sizeof err) != 0) {
      http_error(r, 500, "cannot render the profile", err);
    } else if ((r->body = malloc(len ? len : 1)) == NULL) {
      http_error(r, 500, "cannot render the profile", "out of memory");
    } else {
      memcpy(r->body, data, len);
      r->len = len;
      r->status = 200;
      r->type = "application/octet-stream";
      r->disposition = "attachment; filename=\"heap.pb.gz\"";
    }
    http_agent_snap_release(newer);
    return;
  }
  snapshot view = *newer->snap; /* a shallow copy whose sites may differ */
  snap_site *delta = NULL;
  if (older != NULL) {
    if ((delta = http_delta_sites(older->snap, newer->snap)) == NULL) {
      http_error(r, 500, "cannot compute the delta", "out of memory");
      http_agent_snap_release(older);
      http_agent_snap_release(newer);
      return;
    }
    view.sites = delta;
    view.time_ns = older->snap->time_ns;
    view.duration_ns = newer->snap->time_ns - older->snap->time_ns;
    view.total_allocs -= older->snap->total_allocs;
    view.total_frees -= older->snap->total_frees;
    view.total_bytes_allocated -= older->snap->total_bytes_allocated;
  }
  if (debug) {
    http_heap_text(h, &view, r);
  } else {
    unsigned char *data;
    size_t len;
    if (http_agent_render_pprof(h, &view, default_type, &data, &len, err, sizeof err) != 0) {
      http_error(r, 500, "cannot render the profile", err);
    } else {
      r->body = (char *)data;
      r->len = len;
      r->status = 200;
      r->type = "application/octet-stream";
      r->disposition = default_type != NULL ? "attachment; filename=\"allocs.pb.gz\""
                                            : "attachment; filename=\"heap-delta.pb.gz\"";
    }
  }
  free(delta);
  http_agent_snap_release(older);
  http_agent_snap_release(newer);
}
