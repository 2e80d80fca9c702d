/*
 * analyze/growth.c: per-site heap growth between snapshots (see
 * analyze/growth.h): a string-keyed open-addressing table of sites, filled
 * from the base and the new snapshots, then sorted by growth.
 */
#include "analyze/growth.h"
#include "util/text.h"
#include "util/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  growth_site *slots; /* key NULL = empty */
  size_t cap, n;
} site_table;

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int table_grow(site_table *t) {
  size_t cap = t->cap ? t->cap * 2 : 256;
  growth_site *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return -1;
  for (size_t i = 0; i < t->cap; i++) {
    if (t->slots[i].key == NULL) continue;
    size_t j = hash(t->slots[i].key) & (cap - 1);
    while (slots[j].key != NULL) j = (j + 1) & (cap - 1);
    slots[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = slots;
  t->cap = cap;
  return 0;
}

/* The slot for key (created, taking a copy of key, if new); NULL on OOM. */
static growth_site *table_get(site_table *t, const char *key) {
  if ((t->n + 1) * 10 > t->cap * 7 && table_grow(t) != 0) return NULL;
  size_t j = hash(key) & (t->cap - 1);
  while (t->slots[j].key != NULL) {
    if (strcmp(t->slots[j].key, key) == 0) return &t->slots[j];
    j = (j + 1) & (t->cap - 1);
  }
  t->slots[j].key = strdup(key);
  if (t->slots[j].key == NULL) return NULL;
  t->n++;
  return &t->slots[j];
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
  for (uint32_t i = 0; i < st->nlocs; i++) {
    if (st->locs[i] >= s->nlocations) continue;
    const snap_location *loc = &s->locations[st->locs[i]];
    if (loc->nlines == 0) {
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
    for (uint32_t j = 0; j < loc->nlines; j++) {
      const snap_line *ln = &loc->lines[j];
      if (ln->function != NULL && ln->file != NULL)
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

int growth_compute(snapshot *const *base, uint32_t nbase, snapshot *const *now, uint32_t nnow,
                   sample_type type, growth *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  site_table t = {0};
  for (uint32_t i = 0; i < nbase; i++)
    if (add_snapshot(&t, base[i], 0, type, &out->base_total) != 0) goto oom;
  for (uint32_t i = 0; i < nnow; i++)
    if (add_snapshot(&t, now[i], 1, type, &out->new_total) != 0) goto oom;
  out->sites = malloc((t.n ? t.n : 1) * sizeof *out->sites);
  if (out->sites == NULL) goto oom;
  for (size_t i = 0; i < t.cap; i++)
    if (t.slots[i].key != NULL) out->sites[out->n++] = t.slots[i];
  free(t.slots);
  qsort(out->sites, out->n, sizeof *out->sites, by_growth);
  return 0;
oom:
  for (size_t i = 0; i < t.cap; i++) free(t.slots[i].key);
  free(t.slots);
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
