/*
 * lscache.c: the bounded LRU cache of include/lscache.h.  Each entry is one
 * allocation (the entry and its key) that sits in two structures at once:
 * a chain of the hash table, found by key, and the recency list, newest at
 * one end and the eviction candidate at the other.  Both are intrusive, so
 * moving an entry to the newest end, inserting and evicting are O(1), the
 * lookup O(1) on average.
 *
 * The hash table is an array of chains whose size is a power of two; it
 * doubles once it holds as many entries as chains, and never shrinks (with
 * max_entries set it stays under 2 * max_entries chains).  If doubling
 * finds no memory the table keeps its size: lookups stay correct, chains
 * get longer, and the next insertion tries again.
 *
 * Locking: one mutex per cache around every operation.  Values leave the
 * cache (evicted, replaced, removed) while it is locked, but the cache's
 * references to them are released, and their entries freed, after
 * unlocking, so no destroy function runs under the lock.  The lock and
 * unlock calls are not checked: a default mutex that lscache_new
 * initialized cannot fail them.
 */
#include "lscache.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LSCACHE_FIRST_CHAINS 16

typedef struct lscache_entry {
  struct lscache_entry *newer, *older; /* the recency list */
  struct lscache_entry *chain_next;    /* the hash chain; after removal, the list to release */
  uint64_t hash;
  void *value; /* an lsref object; the cache holds one strong reference */
  size_t bytes;
  size_t key_len;
  char key[]; /* NUL-terminated copy */
} lscache_entry;

struct lscache {
  pthread_mutex_t lock;
  size_t max_entries, max_bytes; /* 0: no bound; fixed at creation */
  lscache_entry **chains;
  size_t chain_mask;             /* number of chains - 1 */
  lscache_entry *newest, *oldest; /* ends of the recency list */
  size_t count, bytes;
  struct lscache_stats stats;
};

/* FNV-1a over the key, then MurmurHash3's finalizer so that the low bits
 * that pick the chain depend on every byte. */
static uint64_t lscache_hash(const char *key, size_t key_len) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < key_len; i++) h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/* The link that points at the entry under key, or the NULL link at the
 * end of its chain when there is none. */
static lscache_entry **lscache_find(lscache *c, const char *key, size_t key_len, uint64_t hash) {
  lscache_entry **link = &c->chains[hash & c->chain_mask];
  while (*link && !((*link)->hash == hash && (*link)->key_len == key_len && memcmp((*link)->key, key, key_len) == 0))
    link = &(*link)->chain_next;
  return link;
}

static void lscache_list_unlink(lscache *c, lscache_entry *e) {
  if (e->newer) e->newer->older = e->older;
  else c->newest = e->older;
  if (e->older) e->older->newer = e->newer;
  else c->oldest = e->newer;
}

static void lscache_list_push_newest(lscache *c, lscache_entry *e) {
  e->newer = NULL;
  e->older = c->newest;
  if (c->newest) c->newest->newer = e;
  else c->oldest = e;
  c->newest = e;
}

/* Takes e out of its chain and the recency list and the totals. */
static void lscache_detach(lscache *c, lscache_entry *e) {
  lscache_entry **link = &c->chains[e->hash & c->chain_mask];
  while (*link != e) link = &(*link)->chain_next;
  *link = e->chain_next;
  lscache_list_unlink(c, e);
  c->count--;
  c->bytes -= e->bytes;
}

/* Doubles the table when it holds as many entries as chains (see the top
 * of the file for what happens without memory). */
static void lscache_grow(lscache *c) {
  size_t old_size = c->chain_mask + 1;
  if (c->count < old_size || old_size > SIZE_MAX / 2 / sizeof *c->chains) return;
  lscache_entry **chains = calloc(2 * old_size, sizeof *chains);
  if (!chains) return;
  size_t mask = 2 * old_size - 1;
  for (size_t i = 0; i < old_size; i++) {
    lscache_entry *e = c->chains[i];
    while (e) {
      lscache_entry *next = e->chain_next;
      e->chain_next = chains[e->hash & mask];
      chains[e->hash & mask] = e;
      e = next;
    }
  }
  free(c->chains);
  c->chains = chains;
  c->chain_mask = mask;
}

/* Detaches least recently used entries until both bounds hold; returns
 * them as a list through chain_next, for lscache_release_entries. */
static lscache_entry *lscache_evict(lscache *c) {
  lscache_entry *evicted = NULL;
  while ((c->max_entries && c->count > c->max_entries) || (c->max_bytes && c->bytes > c->max_bytes)) {
    lscache_entry *e = c->oldest;
    lscache_detach(c, e);
    e->chain_next = evicted;
    evicted = e;
    c->stats.evictions++;
  }
  return evicted;
}

/* Releases the cache's references to a list of detached entries and frees
 * them; called without the lock. */
static void lscache_release_entries(lscache_entry *list) {
  while (list) {
    lscache_entry *next = list->chain_next;
    lsref_release(list->value);
    free(list);
    list = next;
  }
}

lscache *lscache_new(size_t max_entries, size_t max_bytes) {
  if (max_entries == 0 && max_bytes == 0) {
    errno = EINVAL;
    return NULL;
  }
  lscache *c = calloc(1, sizeof *c);
  if (!c) {
    errno = ENOMEM;
    return NULL;
  }
  c->chains = calloc(LSCACHE_FIRST_CHAINS, sizeof *c->chains);
  if (!c->chains) {
    free(c);
    errno = ENOMEM;
    return NULL;
  }
  int rc = pthread_mutex_init(&c->lock, NULL);
  if (rc != 0) {
    free(c->chains);
    free(c);
    errno = rc;
    return NULL;
  }
  c->chain_mask = LSCACHE_FIRST_CHAINS - 1;
  c->max_entries = max_entries;
  c->max_bytes = max_bytes;
  return c;
}

int lscache_put(lscache *c, const char *key, void *obj, size_t bytes) {
  if (!c || !key || !obj) {
    errno = EINVAL;
    return -1;
  }
  if (c->max_bytes && bytes > c->max_bytes) {
    errno = EFBIG;
    return -1;
  }
  size_t key_len = strlen(key);
  uint64_t hash = lscache_hash(key, key_len);
  void *replaced = NULL;
  int error = 0;

  pthread_mutex_lock(&c->lock);
  lscache_entry **link = lscache_find(c, key, key_len, hash);
  lscache_entry *e = *link;
  size_t other_bytes = e ? c->bytes - e->bytes : c->bytes;
  if (bytes > SIZE_MAX - other_bytes) {
    error = EOVERFLOW;
  } else if (e) {
    replaced = e->value;
    e->value = lsref_acquire(obj);
    e->bytes = bytes;
    c->bytes = other_bytes + bytes;
    lscache_list_unlink(c, e);
    lscache_list_push_newest(c, e);
  } else if (!(e = malloc(sizeof *e + key_len + 1))) {
    error = ENOMEM;
  } else {
    e->chain_next = NULL;
    e->hash = hash;
    e->value = lsref_acquire(obj);
    e->bytes = bytes;
    e->key_len = key_len;
    memcpy(e->key, key, key_len + 1);
    *link = e;
    lscache_list_push_newest(c, e);
    c->count++;
    c->bytes += bytes;
    lscache_grow(c);
  }
  lscache_entry *evicted = NULL;
  if (!error) {
    c->stats.insertions++;
    evicted = lscache_evict(c);
  }
  pthread_mutex_unlock(&c->lock);

  if (error) {
    errno = error;
    return -1;
  }
  lsref_release(replaced);
  lscache_release_entries(evicted);
  return 0;
}

void *lscache_get(lscache *c, const char *key) {
  if (!c || !key) return NULL;
  size_t key_len = strlen(key);
  uint64_t hash = lscache_hash(key, key_len);
  void *value = NULL;

  pthread_mutex_lock(&c->lock);
  lscache_entry *e = *lscache_find(c, key, key_len, hash);
  if (e) {
    lscache_list_unlink(c, e);
    lscache_list_push_newest(c, e);
    value = lsref_acquire(e->value);
    c->stats.hits++;
  } else {
    c->stats.misses++;
  }
  pthread_mutex_unlock(&c->lock);
  return value;
}

int lscache_remove(lscache *c, const char *key) {
  if (!c || !key) return 0;
  size_t key_len = strlen(key);
  uint64_t hash = lscache_hash(key, key_len);

  pthread_mutex_lock(&c->lock);
  lscache_entry *e = *lscache_find(c, key, key_len, hash);
  if (e) {
    lscache_detach(c, e);
    e->chain_next = NULL;
  }
  pthread_mutex_unlock(&c->lock);

  lscache_release_entries(e);
  return e != NULL;
}

size_t lscache_count(lscache *c) {
  if (!c) return 0;
  pthread_mutex_lock(&c->lock);
  size_t count = c->count;
  pthread_mutex_unlock(&c->lock);
  return count;
}

size_t lscache_bytes(lscache *c) {
  if (!c) return 0;
  pthread_mutex_lock(&c->lock);
  size_t bytes = c->bytes;
  pthread_mutex_unlock(&c->lock);
  return bytes;
}

void lscache_stats(lscache *c, struct lscache_stats *out) {
  if (!out) return;
  if (!c) {
    memset(out, 0, sizeof *out);
    return;
  }
  pthread_mutex_lock(&c->lock);
  *out = c->stats;
  pthread_mutex_unlock(&c->lock);
}

void lscache_free(lscache *c) {
  if (!c) return;
  lscache_entry *e = c->oldest;
  while (e) {
    lscache_entry *newer = e->newer;
    lsref_release(e->value);
    free(e);
    e = newer;
  }
  free(c->chains);
  pthread_mutex_destroy(&c->lock);
  free(c);
}
