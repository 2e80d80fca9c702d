/*
 * read/snap_raw.c: read the agent's raw snapshot (docs/FORMAT.md) into a
 * snapshot.  Strict about what it knows (a malformed known line, a missing
 * "end" or an unknown version is an error), tolerant of unknown keywords.
 */
#include "read/snap_raw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hmap.h"
#include "util/text.h"
#include "util/vec.h"

typedef struct {
  snapshot *snap;
  size_t cap_warnings, cap_failures;
  int32_t agent_module; /* the agent's module index; -1 not looked for yet */
  /* raw stack id -> snapshot stack index (ids come in increasing order) */
  uint64_t *stack_ids;
  uint32_t *stack_index;
  uint32_t nstack_ids;
  size_t cap_stack_ids;
  hmap locs;           /* pc -> location index */
  hmap sites;          /* raw stack id -> site index, for the lifetime lines */
  const char **argv;
  int argc;
  size_t cap_argv;
  int64_t empty_stack; /* shared by records naming a stack without a "stack" line; -1 until made */
} raw_reader;

/* Decode %XX escapes in place. */
static void raw_unescape(char *s) {
  char *o = s;
  for (; *s; s++) {
    if (s[0] == '%' && s[1] && s[2]) {
      char hex[3] = {s[1], s[2], 0};
      *o++ = (char)strtol(hex, NULL, 16);
      s += 2;
    } else {
      *o++ = *s;
    }
  }
  *o = 0;
}

static int raw_u64(const char **p, uint64_t *out, int base) {
  while (**p == ' ') (*p)++;
  if (!((**p >= '0' && **p <= '9') || (base == 16 && ((**p >= 'a' && **p <= 'f') || (**p >= 'A' && **p <= 'F')))))
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(*p, &end, base);
  if (errno != 0 || end == *p) return -1;
  *p = end;
  *out = v;
  return 0;
}

static int raw_rest(const char **p, const char **out) {
  while (**p == ' ') (*p)++;
  *out = *p;
  return 0;
}

/* The location of pc, made on first use; -1 when out of memory. */
static int64_t raw_location(raw_reader *r, uint64_t pc) {
  uint64_t idx;
  if (hmap_get(&r->locs, pc, &idx)) return (int64_t)idx;
  snap_location loc = {.address = pc, .module = -1};
  int64_t li = snap_add_location(r->snap, &loc);
  if (li < 0 || hmap_put(&r->locs, pc, (uint64_t)li) != 0) return -1;
  return li;
}

/* Does pc lie in the agent's own code (libleakscope.so)?  Its frames head
 * no stack (the agent removes them as it captures) but the one standing
 * for an entry point it notes (operator new[]), and one stands between
 * main and libc's start (the agent watches main return). */
static int raw_is_agent_pc(raw_reader *r, uint64_t pc) {
  if (r->agent_module < 0) {
    r->agent_module = (int32_t)r->snap->nmodules; /* none */
    for (uint32_t i = 0; i < r->snap->nmodules; i++)
      if (strcmp(text_basename(r->snap->modules[i].path), "libleakscope.so") == 0) r->agent_module = (int32_t)i;
  }
  if ((uint32_t)r->agent_module >= r->snap->nmodules) return 0;
  const snap_module *m = &r->snap->modules[r->agent_module];
  return pc >= m->start && pc < m->limit;
}

static int64_t raw_find_stack(const raw_reader *r, uint64_t id) {
  /* ids are written in increasing order: binary search */
  uint32_t lo = 0, hi = r->nstack_ids;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (r->stack_ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < r->nstack_ids && r->stack_ids[lo] == id ? (int64_t)r->stack_index[lo] : -1;
}

/* The site of a raw stack id (its "site" line came first), or NULL. */
static snap_site *raw_site_of(const raw_reader *r, uint64_t id) {
  uint64_t index;
  return hmap_get(&r->sites, id, &index) && index < r->snap->nsites ? &r->snap->sites[index] : NULL;
}

/* The stack of a leak or graph record: the scan may name a stack that had
 * no site line (allocated and counted only as a leak); such records share
 * one empty stack.  -1 when out of memory. */
static int64_t raw_record_stack(raw_reader *r, uint64_t id) {
  int64_t si = raw_find_stack(r, id);
  if (si >= 0) return si;
  if (r->empty_stack < 0) r->empty_stack = snap_add_stack(r->snap, NULL, 0);
  return r->empty_stack;
}

/* The retention graph's lines (docs/FORMAT.md); p is past the keyword. */
static int raw_graph_line(raw_reader *r, const char *line, const char *p, char *err, size_t errlen) {
  snapshot *snap = r->snap;
  if (snap->graph == NULL && (snap->graph = calloc(1, sizeof *snap->graph)) == NULL) return -1;
  snap_graph *g = snap->graph;
  uint64_t a, b, c;
  if (strncmp(line, "rnode ", 6) == 0) {
    if (raw_u64(&p, &a, 16) || raw_u64(&p, &b, 10) || raw_u64(&p, &c, 10)) return -1;
    int64_t si = raw_record_stack(r, c);
    if (si < 0) return -1;
    snap_gnode n = {a, b, (uint32_t)si};
    return snap_graph_add_node(g, &n);
  }
  if (strncmp(line, "rout ", 5) == 0) {
    if (raw_u64(&p, &a, 10) || a >= g->nnodes) return -1;
    while (*p == ' ') {
      if (raw_u64(&p, &b, 10) || b >= g->nnodes) return -1;
      if (snap_graph_add_edge(g, (uint32_t)a, (uint32_t)b) != 0) return -1;
    }
    return *p == 0 ? 0 : -1;
  }
  if (strncmp(line, "rroot ", 6) == 0) {
    while (*p == ' ') p++;
    char kind = *p ? *p++ : 0;
    if ((kind != 'm' && kind != 'r' && kind != 'i') || raw_u64(&p, &a, kind == 'r' ? 10 : 16) ||
        raw_u64(&p, &b, 10) || b >= g->nnodes) {
      snprintf(err, errlen, "malformed rroot line");
      return -1;
    }
    snap_groot root = {(snap_root_kind)kind, a, (uint32_t)b};
    return snap_graph_add_root(g, &root);
  }
  if (strncmp(line, "rregion ", 8) == 0) {
    if (raw_u64(&p, &a, 16) || raw_u64(&p, &b, 16) || b < a) return -1;
    while (*p == ' ') p++;
    if (*p != 'f' && *p != 's' && *p != 'a') return -1;
    snap_gregion region = {a, b, *p};
    return snap_graph_add_region(g, &region);
  }
  uint64_t d, tp = 0; /* rthread; the thread pointer may be absent */
  if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 16) || raw_u64(&p, &c, 16) || raw_u64(&p, &d, 16))
    return -1;
  if (*p == ' ' && raw_u64(&p, &tp, 16)) return -1;
  snap_gthread t = {(int)a, b, c, d, tp};
  return snap_graph_add_thread(g, &t);
}

static int raw_line(raw_reader *r, char *line, char *err, size_t errlen) {
  snapshot *snap = r->snap;
  const char *p = line;
  char *sp = strchr(line, ' ');
  size_t klen = sp ? (size_t)(sp - line) : strlen(line);
  p = line + klen;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
  uint64_t a, b, c, d, e;
  const char *text;
  if (KEY("pid") || KEY("ppid")) {
    if (raw_u64(&p, &a, 10)) return -1;
    if (KEY("pid")) snap->pid = (int)a;
    else snap->ppid = (int)a;
  } else if (KEY("mode")) {
    raw_rest(&p, &text);
    if (strcmp(text, "full") != 0 && strcmp(text, "sample") != 0) return -1;
    snap->mode = snap_str(snap, text);
  } else if (KEY("sample_interval")) {
    if (raw_u64(&p, &a, 10)) return -1;
    snap->sample_interval = a;
  } else if (KEY("time_ns")) {
    if (raw_u64(&p, &a, 10)) return -1;
    snap->time_ns = (int64_t)a;
  } else if (KEY("duration_ns")) {
    if (raw_u64(&p, &a, 10)) return -1;
    snap->duration_ns = (int64_t)a;
  } else if (KEY("exit_code")) {
    if (raw_u64(&p, &a, 10) || a > 255) return -1;
    snap->exit_code = (int)a;
  } else if (KEY("signal")) {
    if (raw_u64(&p, &a, 10) || a == 0 || a > 64) return -1;
    snap->signal = (int)a;
  } else if (KEY("warning")) {
    if (*p == ' ') p++;
    raw_unescape((char *)p);
    if (vec_reserve(&snap->warnings, &r->cap_warnings, (size_t)snap->nwarnings + 1, sizeof *snap->warnings) != 0)
      return -1;
    snap->warnings[snap->nwarnings++] = snap_str(snap, p);
  } else if (KEY("failure")) {
    while (*p == ' ') p++;
    const char *name = p;
    while (*p && *p != ' ') p++;
    if (*p != ' ' || p == name) return -1;
    *(char *)p = 0;
    p++;
    const char *count = p;
    if (raw_u64(&count, &a, 10) || *count != 0) return -1;
    if (vec_reserve(&snap->failures, &r->cap_failures, (size_t)snap->nfailures + 1, sizeof *snap->failures) != 0)
      return -1;
    snap->failures[snap->nfailures++] = (snap_failure){snap_str(snap, name), a};
  } else if (KEY("reason")) {
    raw_rest(&p, &text);
    snap->reason = snap_str(snap, text);
  } else if (KEY("exe")) {
    raw_rest(&p, &text);
    raw_unescape((char *)text);
    snap->exe = snap_str(snap, text);
  } else if (KEY("arg")) {
    if (raw_u64(&p, &a, 10)) return -1;
    if (*p == ' ') p++;
    raw_unescape((char *)p);
    if (vec_reserve(&r->argv, &r->cap_argv, (size_t)r->argc + 1, sizeof *r->argv) != 0) return -1;
    r->argv[r->argc++] = snap_str(snap, p);
  } else if (KEY("module")) {
    snap_module m = {0};
    if (raw_u64(&p, &a, 16)) return -1;
    m.base = a;
    while (*p == ' ') p++;
    const char *bid = p;
    while (*p && *p != ' ') p++;
    if (*p != ' ') return -1;
    *(char *)p = 0;
    m.build_id = strcmp(bid, "-") == 0 ? NULL : snap_str(snap, bid);
    p++;
    raw_unescape((char *)p);
    m.path = snap_str(snap, p);
    if (snap_add_module(snap, &m) < 0) return -1;
  } else if (KEY("segment")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 16) || raw_u64(&p, &c, 16) || raw_u64(&p, &d, 16))
      return -1;
    if (a >= snap->nmodules || c < b) return -1;
    snap_module *m = &snap->modules[a];
    if (m->limit == 0 || b < m->start) {
      if (m->limit == 0 || c - b > m->limit - m->start) m->offset = d;
      if (m->limit == 0) m->limit = c;
      m->start = b;
    }
    if (c > m->limit) m->limit = c;
  } else if (KEY("stack")) {
    if (raw_u64(&p, &a, 10)) return -1;
    uint32_t locs[256];
    uint32_t n = 0;
    for (int first = 1; *p == ' '; first = 0) {
      if (raw_u64(&p, &b, 16)) return -1;
      /* the agent's frame below main goes; one at the leaf stays: it
       * stands for the entry point the program called (operator new[]) */
      if (!first && raw_is_agent_pc(r, b)) continue;
      int64_t li = raw_location(r, b);
      if (li < 0) return -1;
      if (n < 256) locs[n++] = (uint32_t)li;
    }
    if (*p != 0) return -1;
    if (r->nstack_ids && r->stack_ids[r->nstack_ids - 1] >= a) {
      snprintf(err, errlen, "stack ids out of order");
      return -1;
    }
    int64_t si = snap_add_stack(snap, locs, n);
    if (si < 0) return -1;
    if (vec_reserve_pair(&r->stack_ids, sizeof *r->stack_ids, &r->stack_index, sizeof *r->stack_index,
                         &r->cap_stack_ids, (size_t)r->nstack_ids + 1) != 0)
      return -1;
    r->stack_ids[r->nstack_ids] = a;
    r->stack_index[r->nstack_ids++] = (uint32_t)si;
  } else if (KEY("site")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 10) || raw_u64(&p, &c, 10) || raw_u64(&p, &d, 10) ||
        raw_u64(&p, &e, 10))
      return -1;
    if (b > INT64_MAX || c > INT64_MAX || d > INT64_MAX || e > INT64_MAX) {
      snprintf(err, errlen, "site count above 2^63-1 (a site's counts are signed, as in pprof)");
      return -1;
    }
    int64_t si = raw_find_stack(r, a);
    if (si < 0) {
      snprintf(err, errlen, "site refers to unknown stack %llu", (unsigned long long)a);
      return -1;
    }
    snap_site site = {.stack = (uint32_t)si, .alloc_objects = (int64_t)b, .alloc_bytes = (int64_t)c,
                      .inuse_objects = (int64_t)d, .inuse_bytes = (int64_t)e};
    int64_t index = snap_add_site(snap, &site);
    if (index < 0 || hmap_put(&r->sites, a, (uint64_t)index) != 0) return -1;
  } else if (KEY("leak")) {
    while (*p == ' ') p++;
    static const char letters[] = "DIPR";
    const char *k = *p ? strchr(letters, *p) : NULL;
    if (k == NULL) return -1;
    p++;
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 10) || raw_u64(&p, &c, 10) || raw_u64(&p, &d, 10))
      return -1;
    int64_t si = raw_record_stack(r, a);
    if (si < 0) return -1;
    snap_leak leak = {(snap_kind)(k - letters), (uint32_t)si, b, c, d, NULL};
    if (snap_add_leak(snap, &leak) < 0) return -1;
  } else if (KEY("data")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 16) || raw_u64(&p, &c, 16)) return -1;
    if (a >= snap->nmodules || c < b) return -1;
    snap->modules[a].data_start = b;
    snap->modules[a].data_end = c;
  } else if (KEY("tls")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 16) || raw_u64(&p, &c, 16)) return -1;
    if (a >= snap->nmodules) return -1;
    snap->modules[a].tls_offset = b;
    snap->modules[a].tls_size = c;
  } else if (line[0] == 'r' && (KEY("rnode") || KEY("rout") || KEY("rroot") || KEY("rregion") ||
                                KEY("rthread"))) {
    return raw_graph_line(r, line, p, err, errlen);
  } else if (KEY("lifetime")) {
    uint64_t died[SNAP_LIFETIME_BUCKETS];
    if (raw_u64(&p, &a, 10)) return -1;
    for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++)
      if (raw_u64(&p, &died[k], 10) || died[k] > INT64_MAX) return -1;
    snap_site *site = raw_site_of(r, a);
    if (site == NULL) return 0; /* a stack without a site line: nothing to attach it to */
    for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) site->died[k] += (int64_t)died[k];
    snap->has_lifetimes = 1;
  } else if (KEY("lifetime_stats")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 10) || raw_u64(&p, &c, 10) || raw_u64(&p, &d, 10) ||
        raw_u64(&p, &e, 10) || b > INT64_MAX)
      return -1;
    snap_site *site = raw_site_of(r, a);
    if (site == NULL) return 0;
    site->temporaries = (int64_t)b;
    site->lifetime_max_ns = c;
    site->lifetime_p50_ns = d;
    site->lifetime_p90_ns = e;
    snap->has_lifetime_stats = 1;
  } else if (KEY("peak")) {
    if (raw_u64(&p, &a, 10)) return -1;
    snap->peak_bytes = a;
    snap->has_peak = 1;
  } else if (line[0] == 'l' && (KEY("live_pause_ns") || KEY("live_stop_ns") || KEY("live_threads") || KEY("live_scan_ns") ||
                                KEY("live_scan_cpu_ns") || KEY("live_child_private_kb"))) {
    if (raw_u64(&p, &a, 10)) return -1;
    snap->live.present = 1;
    uint64_t *field = KEY("live_pause_ns")      ? &snap->live.pause_ns
                      : KEY("live_stop_ns")     ? &snap->live.stop_ns
                      : KEY("live_threads")     ? &snap->live.threads
                      : KEY("live_scan_ns")     ? &snap->live.scan_ns
                      : KEY("live_scan_cpu_ns") ? &snap->live.scan_cpu_ns
                                                : &snap->live.child_private_kb;
    *field = a;
  } else if (KEY("leakcheck")) {
    snap->has_leak_check = 1;
  } else if (KEY("total")) {
    if (raw_u64(&p, &a, 10) || raw_u64(&p, &b, 10) || raw_u64(&p, &c, 10) || raw_u64(&p, &d, 10) ||
        raw_u64(&p, &e, 10))
      return -1;
    snap->total_allocs = a;
    snap->total_frees = b;
    snap->total_bytes_allocated = c;
    snap->inuse_objects = d;
    snap->inuse_bytes = e;
  }
#undef KEY
  return 0;
}

snapshot *snap_raw_read(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  raw_reader r = {0};
  r.agent_module = -1;
  r.empty_stack = -1;
  r.snap = snap_new();
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned long lineno = 0;
  int ended = 0, ok = r.snap != NULL;
  err[0] = 0;
  while (ok && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
    if (lineno == 1) {
      if (strcmp(line, "leakscope-raw 1") != 0) {
        snprintf(err, errlen, "%s: not a leakscope raw snapshot of version 1", path);
        ok = 0;
      }
      continue;
    }
    if (strcmp(line, "end") == 0) {
      ended = 1;
      break;
    }
    if (raw_line(&r, line, err, errlen) != 0) {
      char reason[200];
      snprintf(reason, sizeof reason, "%s", err[0] ? err : "malformed line");
      snprintf(err, errlen, "%s:%lu: %s", path, lineno, reason);
      ok = 0;
    }
  }
  free(line);
  fclose(f);
  if (ok && !ended) {
    snprintf(err, errlen, "%s: truncated raw snapshot (no end line)", path);
    ok = 0;
  }
  if (ok) {
    r.snap->source_format = "raw";
    r.snap->argc = r.argc;
    r.snap->argv = snap_alloc(r.snap, (size_t)(r.argc + 1) * sizeof *r.snap->argv);
    if (r.snap->argv != NULL)
      for (int i = 0; i < r.argc; i++) r.snap->argv[i] = r.argv[i];
    for (uint32_t i = 0; i < r.snap->nlocations; i++)
      r.snap->locations[i].module = snap_module_for(r.snap, r.snap->locations[i].address);
    snap_recount(r.snap);
    if (r.snap->graph != NULL && snap_graph_finish(r.snap->graph) != 0) {
      snprintf(err, errlen, "%s: out of memory", path);
      ok = 0;
    }
  }
  free(r.stack_ids);
  free(r.stack_index);
  hmap_free(&r.locs);
  hmap_free(&r.sites);
  free(r.argv);
  if (!ok) {
    snap_free(r.snap);
    return NULL;
  }
  return r.snap;
}
