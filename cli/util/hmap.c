/*
 * util/hmap.c: the hash table (see util/hmap.h).  A slot keeps the key's
 * hash (never 0 in a used slot: 0 marks an empty one), the key (an integer
 * or a string's address; unused for composite keys) and the value, so the
 * table grows without asking its user to hash anything again.
 */
#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

struct hmap_slot {
  uint64_t hash, key, value;
};

uint64_t hmap_fnv(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

uint64_t hmap_mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

void hmap_free(hmap *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

/* The stored form of a hash: never 0. */
static uint64_t hmap_stored(uint64_t hash) { return hash ? hash : 1; }

/* Room for one more entry at most half full; 0 or -1. */
static int hmap_grow(hmap *m) {
  if ((m->n + 1) * 2 <= m->cap) return 0;
  size_t cap = m->cap ? m->cap * 2 : 64;
  hmap_slot *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return -1;
  for (size_t i = 0; i < m->cap; i++) {
    if (m->slots[i].hash == 0) continue;
    size_t j = m->slots[i].hash & (cap - 1);
    while (slots[j].hash != 0) j = (j + 1) & (cap - 1);
    slots[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = slots;
  m->cap = cap;
  return 0;
}

/* The slot holding the entry whose hash is h and for which same(key of the
 * slot, arg) holds, or the empty slot where it would go; NULL for an empty
 * table. */
static hmap_slot *hmap_probe(const hmap *m, uint64_t h, int (*same)(const hmap_slot *, const void *),
                             const void *arg) {
  if (m->cap == 0) return NULL;
  h = hmap_stored(h);
  for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    hmap_slot *s = &m->slots[i];
    if (s->hash == 0 || (s->hash == h && same(s, arg))) return s;
  }
}

static int hmap_same_u64(const hmap_slot *s, const void *arg) { return s->key == *(const uint64_t *)arg; }

static int hmap_same_str(const hmap_slot *s, const void *arg) {
  return strcmp((const char *)(uintptr_t)s->key, arg) == 0;
}

/* Insert (or replace) an entry for a key that same() recognises. */
static int hmap_set(hmap *m, uint64_t h, uint64_t key, uint64_t value,
                    int (*same)(const hmap_slot *, const void *), const void *arg) {
  if (hmap_grow(m) != 0) return -1;
  hmap_slot *s = hmap_probe(m, h, same, arg);
  if (s->hash == 0) m->n++;
  *s = (hmap_slot){hmap_stored(h), key, value};
  return 0;
}

static int hmap_lookup(const hmap *m, uint64_t h, int (*same)(const hmap_slot *, const void *),
                       const void *arg, uint64_t *value) {
  const hmap_slot *s = hmap_probe(m, h, same, arg);
  if (s == NULL || s->hash == 0) return 0;
  *value = s->value;
  return 1;
}

int hmap_get(const hmap *m, uint64_t key, uint64_t *value) {
  return hmap_lookup(m, hmap_mix(key), hmap_same_u64, &key, value);
}

int hmap_put(hmap *m, uint64_t key, uint64_t value) {
  return hmap_set(m, hmap_mix(key), key, value, hmap_same_u64, &key);
}

int hmap_get_str(const hmap *m, const char *key, uint64_t *value) {
  return hmap_lookup(m, hmap_fnv(HMAP_FNV_BASIS, key, strlen(key)), hmap_same_str, key, value);
}

int hmap_put_str(hmap *m, const char *key, uint64_t value) {
  return hmap_set(m, hmap_fnv(HMAP_FNV_BASIS, key, strlen(key)), (uint64_t)(uintptr_t)key, value,
                  hmap_same_str, key);
}

/* A composite key: the caller's match() decides. */
typedef struct {
  int (*match)(const void *ctx, uint64_t value);
  const void *ctx;
} hmap_matcher;

static int hmap_same_composite(const hmap_slot *s, const void *arg) {
  const hmap_matcher *mt = arg;
  return mt->match(mt->ctx, s->value);
}

int hmap_find(const hmap *m, uint64_t hash, int (*match)(const void *ctx, uint64_t value),
              const void *ctx, uint64_t *value) {
  hmap_matcher mt = {match, ctx};
  return hmap_lookup(m, hash, hmap_same_composite, &mt, value);
}

static int hmap_same_never(const hmap_slot *s, const void *arg) {
  (void)s;
  (void)arg;
  return 0;
}

int hmap_add(hmap *m, uint64_t hash, uint64_t value) {
  return hmap_set(m, hash, 0, value, hmap_same_never, NULL);
}
