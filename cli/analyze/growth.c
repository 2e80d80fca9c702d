/*
 * analyze/growth.c: per-site heap growth between snapshots (see
 * analyze/growth.h): the sites keyed by their frames (util/hmap), filled
 * from the base and the new snapshots, then sorted by growth.
 */
#include "analyze/growth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/frames.h"
#include "util/hmap.h"
#include "util/text.h"
#include "util/vec.h"

/* The sites being summed: out's sites, and their keys -> their index. */
typedef struct {
  growth *out;
  hmap index;
} site_table;

/* The site for key (created, taking a copy of key, if new); NULL on OOM. */
static growth_site *table_get(site_table *t, const char *key) {
  growth *g = t->out;
  uint64_t i;
  if (hmap_get_str(&t->index, key, &i)) return &g->sites[i];
  char *copy = strdup(key);
  if (copy == NULL || vec_reserve(&g->sites, &g->cap, (size_t)g->n + 1, sizeof *g->sites) != 0 ||
      hmap_put_str(&t->index, copy, g->n) != 0) {
    free(copy);
    return NULL;
  }
  g->sites[g->n] = (growth_site){copy, 0, 0};
  return &g->sites[g->n++];
}

/* Append text to the growing key buffer. */
static int key_put(char **buf, size_t *len, size_t *cap, const char *text) {
  size_t n = strlen(text);
  if (vec_reserve(buf, cap, *len + n + 2, 1) != 0) return -1;
  if (*len > 0) (*buf)[(*len)++] = GROWTH_SEP;
  memcpy(*buf + *len, text, n + 1);
  *len += n;
  return 0;
}

static int stack_key(const snapshot *s, uint32_t stack, char **buf, size_t *cap) {
  size_t len = 0;
  char frame[1024];
  if (*cap == 0 && key_put(buf, &len, cap, "") != 0) return -1;
  (*buf)[0] = '\0';
  const snap_stack *st = &s->stacks[stack];
  uint32_t first, end, n = 0;
  frames_range(s, st, FRAMES_FOLD_ALLOCATORS, &first, &end);
  for (uint32_t i = 0; i < st->nlocs && n < end; i++) {
    if (st->locs[i] >= s->nlocations) continue;
    const snap_location *loc = &s->locations[st->locs[i]];
    if (loc->nlines == 0) {
      if (n++ < first) continue;
      const snap_module *m = loc->module >= 0 && (uint32_t)loc->module < s->nmodules
                                 ? &s->modules[loc->module]
                                 : NULL;
      if (m != NULL)
        snprintf(frame, sizeof frame, "%s+0x%llx", text_basename(m->path),
                 (unsigned long long)(loc->address - m->base));
      else
        snprintf(frame, sizeof frame, "0x%llx", (unsigned long long)loc->address);
      if (key_put(buf, &len, cap, frame) != 0) return -1;
      continue;
    }
    for (uint32_t j = 0; j < loc->nlines && n < end; j++) {
      if (n++ < first) continue;
      const snap_line *ln = &loc->lines[j];
      if (ln->function != NULL && ln->file != NULL && ln->line > 0)
        snprintf(frame, sizeof frame, "%s (%s:%lld)", ln->function, text_basename(ln->file), (long long)ln->line);
      else if (ln->function != NULL && ln->file != NULL)
        snprintf(frame, sizeof frame, "%s (%s)", ln->function, text_basename(ln->file));
      else if (ln->function != NULL)
        snprintf(frame, sizeof frame, "%s", ln->function);
      else if (ln->file != NULL)
        snprintf(frame, sizeof frame, "%s:%lld", text_basename(ln->file), (long long)ln->line);
      else
        snprintf(frame, sizeof frame, "0x%llx", (unsigned long long)loc->address);
      if (key_put(buf, &len, cap, frame) != 0) return -1;
    }
  }
  return 0;
}

static int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

static int64_t clamp(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (int64_t)v; }

/* Add one snapshot's values to the table (side 0 base, 1 new). */
static int add_snapshot(site_table *t, const snapshot *s, int side, sample_type type,
                        int64_t *total) {
  char *key = NULL;
  size_t cap = 0;
  uint32_t n = s->nsites ? s->nsites : s->nleaks;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t stack;
    int64_t v;
    if (s->nsites) {
      stack = s->sites[i].stack;
      v = sample_type_value(&s->sites[i], type);
    } else {
      stack = s->leaks[i].stack;
      v = type == SAMPLE_INUSE_SPACE     ? clamp(s->leaks[i].bytes)
          : type == SAMPLE_INUSE_OBJECTS ? clamp(s->leaks[i].blocks)
                                         : 0;
    }
    if (stack >= s->nstacks) continue;
    if (stack_key(s, stack, &key, &cap) != 0) goto oom;
    growth_site *site = table_get(t, key);
    if (site == NULL) goto oom;
    if (side == 0) site->base = sat_add(site->base, v);
    else site->now = sat_add(site->now, v);
    *total = sat_add(*total, v);
  }
  free(key);
  return 0;
oom:
  free(key);
  return -1;
}

static int by_growth(const void *pa, const void *pb) {
  const growth_site *a = pa, *b = pb;
  __int128 ga = (__int128)a->now - a->base, gb = (__int128)b->now - b->base;
  if (ga != gb) return ga > gb ? -1 : 1;
  if (a->now != b->now) return a->now > b->now ? -1 : 1;
  return strcmp(a->key, b->key);
}

/* key without its line numbers ("f (a.c:12)" -> "f (a.c)"), malloc'd. */
static char *key_without_lines(const char *key) {
  char *out = malloc(strlen(key) + 1), *o = out;
  if (out == NULL) return NULL;
  for (const char *p = key; *p; p++) {
    if (*p == ':') { /* ":123)" before a separator or the end */
      const char *q = p + 1;
      while (*q >= '0' && *q <= '9') q++;
      if (q > p + 1 && *q == ')' && (q[1] == GROWTH_SEP || q[1] == '\0')) {
        p = q - 1;
        continue;
      }
    }
    *o++ = *p;
  }
  *o = '\0';
  return out;
}

/* Two builds of the same code: a site only in the base and a site only in
 * the new snapshots whose stacks differ in line numbers alone, and are the
 * only such pair, are one site (under the new key).  0, or -1 on OOM. */
static int match_moved_lines(growth *g) {
  hmap gone = {0}, came = {0}; /* key without lines -> index, or UINT64_MAX when not unique */
  uint32_t n = g->n;
  char **plain = calloc(n ? n : 1, sizeof *plain);
  int rc = -1;
  if (plain == NULL) return -1;
  for (uint32_t i = 0; i < g->n; i++) {
    growth_site *s = &g->sites[i];
    if ((s->base == 0) == (s->now == 0)) continue; /* on both sides (or neither): matched already */
    if ((plain[i] = key_without_lines(s->key)) == NULL) goto out;
    hmap *side = s->now == 0 ? &gone : &came;
    uint64_t seen;
    if (hmap_put_str(side, plain[i], hmap_get_str(side, plain[i], &seen) ? UINT64_MAX : i) != 0) goto out;
  }
  for (uint32_t i = 0; i < g->n; i++) {
    uint64_t a, b;
    if (plain[i] == NULL || g->sites[i].base != 0 || !hmap_get_str(&came, plain[i], &a) || a != i ||
        !hmap_get_str(&gone, plain[i], &b) || b == UINT64_MAX)
      continue;
    g->sites[i].base = g->sites[b].base;
    g->sites[b].base = 0; /* emptied: dropped below */
  }
  uint32_t kept = 0;
  for (uint32_t i = 0; i < g->n; i++) {
    if (g->sites[i].base == 0 && g->sites[i].now == 0 && plain[i] != NULL) {
      free(g->sites[i].key);
      continue;
    }
    g->sites[kept++] = g->sites[i];
  }
  g->n = kept;
  rc = 0;
out:
  hmap_free(&gone);
  hmap_free(&came);
  for (uint32_t i = 0; i < n; i++) free(plain[i]);
  free(plain);
  return rc;
}

int growth_compute(snapshot *const *base, uint32_t nbase, snapshot *const *now, uint32_t nnow,
                   sample_type type, growth *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  site_table t = {.out = out};
  for (uint32_t i = 0; i < nbase; i++)
    if (add_snapshot(&t, base[i], 0, type, &out->base_total) != 0) goto oom;
  for (uint32_t i = 0; i < nnow; i++)
    if (add_snapshot(&t, now[i], 1, type, &out->new_total) != 0) goto oom;
  hmap_free(&t.index);
  if (match_moved_lines(out) != 0) goto oom_matched;
  if (out->n > 1) qsort(out->sites, out->n, sizeof *out->sites, by_growth);
  return 0;
oom:
  hmap_free(&t.index);
oom_matched:
  growth_free(out);
  snprintf(err, errlen, "out of memory");
  return -1;
}

void growth_free(growth *g) {
  for (uint32_t i = 0; i < g->n; i++) free(g->sites[i].key);
  free(g->sites);
  memset(g, 0, sizeof *g);
}

double growth_percent(int64_t base, int64_t now, int *infinite) {
  *infinite = 0;
  if (base == 0) {
    *infinite = now > 0;
    return 0;
  }
  return ((double)now - (double)base) * 100.0 / (double)(base < 0 ? -base : base);
}

int growth_frame(const char *key, unsigned i, char *buf, size_t buflen) {
  const char *p = key;
  for (unsigned k = 0; k < i; k++) {
    p = strchr(p, GROWTH_SEP);
    if (p == NULL) return -1;
    p++;
  }
  if (*p == '\0' && i > 0) return -1;
  const char *end = strchr(p, GROWTH_SEP);
  size_t n = end ? (size_t)(end - p) : strlen(p);
  if (n >= buflen) n = buflen - 1;
  memcpy(buf, p, n);
  buf[n] = '\0';
  return 0;
}
