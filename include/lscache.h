/*
 * lscache.h: a bounded LRU cache from string keys to lsref objects, part
 * of liblscache (leakscope's leak-safe containers).  The C counterpart of
 * the fix for a service whose map[string]interface{} cache grew without
 * end: the cache holds at most max_entries entries and max_bytes bytes,
 * and evicts the least recently used entries to stay within both.
 *
 * Ownership: values are lsref objects (lsref.h).  lscache_put takes a
 * strong reference of the cache's own (the caller keeps and releases
 * theirs); eviction, replacement, lscache_remove and lscache_free release
 * it.  lscache_get returns a new strong reference, so a value the caller
 * is using stays alive when the cache evicts it meanwhile.  The cache
 * never runs a destroy function with its lock held: it releases its
 * references after unlocking, so destroy may call into the cache.
 *
 * Sizes: `bytes` is whatever the caller says an entry costs (typically
 * the value's size); the cache's own overhead per entry (about 64 bytes
 * plus the key) is not counted.
 *
 * Thread safety: one pthread mutex per cache guards every operation, so
 * all functions but lscache_free may be called from any threads at once.
 * get and put are O(1) on average: a chained hash table that doubles when
 * it holds as many entries as buckets, and a doubly linked list in
 * recency order.
 *
 * Errors: functions that can fail return -1 (or NULL) and set errno.
 */
#ifndef LSCACHE_H
#define LSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "lsref.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lscache lscache;

/* Counters since lscache_new. */
struct lscache_stats {
  uint64_t hits;       /* lscache_get calls that found the key */
  uint64_t misses;     /* lscache_get calls that did not */
  uint64_t insertions; /* successful lscache_put calls, new keys and replacements */
  uint64_t evictions;  /* entries dropped to stay within the bounds */
};

/* An empty cache holding at most max_entries entries and max_bytes bytes;
 * 0 means no bound in that dimension.  NULL with errno EINVAL when both
 * are 0, ENOMEM (or pthread_mutex_init's error) otherwise. */
lscache *lscache_new(size_t max_entries, size_t max_bytes);

/* Stores obj (an lsref object) under a copy of key as the most recently
 * used entry, taking a strong reference of the cache's own.  An existing
 * entry under key is replaced (its value released).  Then least recently
 * used entries are evicted until both bounds hold.  Returns 0, or -1 with
 * errno: EINVAL (a NULL argument), EFBIG (bytes alone exceed max_bytes),
 * EOVERFLOW (the byte total would pass SIZE_MAX), ENOMEM; on error the
 * cache is left as it was (an entry already under key stays). */
int lscache_put(lscache *c, const char *key, void *obj, size_t bytes);

/* A new strong reference to the value under key (the caller releases it
 * with lsref_release), making the entry the most recently used; NULL when
 * the key is absent (or c or key is NULL). */
void *lscache_get(lscache *c, const char *key);

/* Removes the entry under key, releasing the cache's reference.  Returns
 * 1 if there was one, 0 if not (or c or key is NULL). */
int lscache_remove(lscache *c, const char *key);

/* The number of entries and the sum of their bytes (0 for NULL). */
size_t lscache_count(lscache *c);
size_t lscache_bytes(lscache *c);

/* Copies the counters into *out (zeros for a NULL c). */
void lscache_stats(lscache *c, struct lscache_stats *out);

/* Releases every value and frees the cache (NULL ok).  No other thread
 * may be using the cache. */
void lscache_free(lscache *c);

#ifdef __cplusplus
}
#endif

#endif /* LSCACHE_H */
