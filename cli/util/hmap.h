/*
 * util/hmap.h: the one hash table (util/hmap.c), open addressing with
 * linear probing, kept at most half full.  It maps keys to 64-bit values
 * (often an index into the caller's array).  One table uses one kind of
 * key:
 *
 *   integers   hmap_get / hmap_put;
 *   strings    hmap_get_str / hmap_put_str: the table keeps the pointer,
 *              not a copy, so the string must outlive the table;
 *   composite  (a parent and a name, a stack, ...): the caller hashes the
 *              key and says whether a stored value is its entry
 *              (hmap_find), and adds it when it is not (hmap_add).
 *
 * Also the hash functions the rest of the command uses (FNV-1a, a 64-bit
 * mix), so output that depends on a hash (a flame graph's colours, a SARIF
 * fingerprint) has one definition.  A zeroed hmap is an empty table.
 */
#ifndef LEAKSCOPE_UTIL_HMAP_H
#define LEAKSCOPE_UTIL_HMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct hmap_slot hmap_slot;

typedef struct {
  hmap_slot *slots;
  size_t cap, n; /* cap is 0 or a power of two */
} hmap;

void hmap_free(hmap *m);

/* Integer keys: 1 and *value when key is in the table, else 0. */
int hmap_get(const hmap *m, uint64_t key, uint64_t *value);
/* Insert key or replace its value; 0, or -1 when out of memory. */
int hmap_put(hmap *m, uint64_t key, uint64_t value);

/* String keys, compared by content. */
int hmap_get_str(const hmap *m, const char *key, uint64_t *value);
int hmap_put_str(hmap *m, const char *key, uint64_t value);

/* Composite keys: match(ctx, value) says whether the entry holding value
 * is the key being looked for (whose hash is hash). */
int hmap_find(const hmap *m, uint64_t hash, int (*match)(const void *ctx, uint64_t value),
              const void *ctx, uint64_t *value);
/* Add an entry the caller knows is not there yet; 0, or -1 when out of memory. */
int hmap_add(hmap *m, uint64_t hash, uint64_t value);

/* FNV-1a over n bytes, continuing from h (start with HMAP_FNV_BASIS). */
#define HMAP_FNV_BASIS 1469598103934665603ull
uint64_t hmap_fnv(uint64_t h, const void *data, size_t n);
/* A 64-bit integer mixed so that every bit of it moves every bit of the hash. */
uint64_t hmap_mix(uint64_t k);

#endif
