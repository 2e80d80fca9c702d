/*
 * lscache_test.c: unit test of lib/lscache.c (include/lscache.h).  It
 * checks the argument errors, LRU order, the entry bound, the byte bound
 * and both together, replacement (the old value released, its bytes
 * replaced, a refused replacement keeping the old value), EFBIG, the
 * statistics, a value the caller got staying alive after its eviction,
 * remove, that lscache_free releases every value, what happens when memory
 * runs out (malloc and calloc made to fail on purpose: a failed put leaves
 * the cache as it was, a table that cannot grow still works), a table
 * grown to 200,000 entries; then 100,000 random operations in each of
 * three configurations cross-checked after every step against a simple
 * model (an array with use stamps), and 4 threads hammering one cache.
 * Every value counts itself, so a value leaked or released too often
 * shows as a wrong live count.  Last it prints put and get rates.
 *
 * Usage: lscache_test [--small]   (--small shrinks the big runs, for runs
 * under valgrind)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lscache.h"

#include "harness/check.h"

/* Failing allocations on purpose: this program's malloc and calloc take
 * the place of libc's for the whole process; while malloc_fail_in (or
 * calloc_fail_in) is N > 0, the Nth next call fails.  Not compiled under a
 * sanitizer, whose own malloc must stay in place; valgrind replaces these
 * too, which fault_injection_works finds out. */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define FAULT_INJECTION 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
static int malloc_fail_in, calloc_fail_in; /* set only while one thread runs */

void *malloc(size_t size) {
  if (malloc_fail_in > 0 && --malloc_fail_in == 0) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  if (calloc_fail_in > 0 && --calloc_fail_in == 0) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_calloc(count, size);
}

/* 1 if the functions above are the ones called.  Through volatile
 * pointers, so the compiler cannot drop the calls. */
static int fault_injection_works(void) {
  void *(*volatile malloc_call)(size_t) = malloc;
  void *(*volatile calloc_call)(size_t, size_t) = calloc;
  malloc_fail_in = calloc_fail_in = 1;
  void *a = malloc_call(16), *b = calloc_call(1, 16);
  malloc_fail_in = calloc_fail_in = 0;
  int works = a == NULL && b == NULL;
  free(a);
  free(b);
  return works;
}
#endif

#define VALUE_ALIVE 0xa11feu
#define VALUE_DEAD 0xdeadu

/* A test value: knows its key and a unique id, and counts itself. */
typedef struct {
  atomic_uint state;
  int key;
  long id;
} value;

static atomic_long live_values, next_value_id, bad_destroys;

static void value_destroy(void *obj) {
  value *v = obj;
  if (atomic_exchange(&v->state, VALUE_DEAD) != VALUE_ALIVE) atomic_fetch_add(&bad_destroys, 1);
  atomic_fetch_sub(&live_values, 1);
}

static value *value_new(int key) {
  value *v = lsref_new(sizeof *v, value_destroy);
  if (!v) {
    fprintf(stderr, "FAIL: lsref_new: out of memory\n");
    exit(1);
  }
  atomic_store(&v->state, VALUE_ALIVE);
  v->key = key;
  v->id = atomic_fetch_add(&next_value_id, 1);
  atomic_fetch_add(&live_values, 1);
  return v;
}

static int value_alive(const value *v) { return atomic_load(&v->state) == VALUE_ALIVE; }

/* A new cache, or the test ends here. */
static lscache *cache_new(size_t max_entries, size_t max_bytes) {
  lscache *c = lscache_new(max_entries, max_bytes);
  if (!c) {
    fprintf(stderr, "FAIL: lscache_new(%zu, %zu): %s\n", max_entries, max_bytes, strerror(errno));
    exit(1);
  }
  return c;
}

/* Puts a new value for key (its name "k<key>") and drops the caller's
 * reference; returns lscache_put's result. */
static int put_new(lscache *c, int key, size_t bytes) {
  char name[32];
  snprintf(name, sizeof name, "k%d", key);
  value *v = value_new(key);
  int rc = lscache_put(c, name, v, bytes);
  lsref_release(v);
  return rc;
}

/* 1 if the key is in the cache (the lookup marks it used), else 0. */
static int has(lscache *c, int key) {
  char name[32];
  snprintf(name, sizeof name, "k%d", key);
  value *v = lscache_get(c, name);
  int found = v != NULL;
  if (v) CHECK(v->key == key && value_alive(v), "k%d: got the value of k%d (alive %d)", key, v->key, value_alive(v));
  lsref_release(v);
  return found;
}

static void test_arguments(void) {
  errno = 0;
  CHECK(lscache_new(0, 0) == NULL && errno == EINVAL, "lscache_new(0, 0): want NULL, EINVAL");
  lscache *c = cache_new(4, 0);
  value *v = value_new(0);
  errno = 0;
  CHECK(lscache_put(NULL, "k", v, 1) == -1 && errno == EINVAL, "put(NULL cache): want -1, EINVAL");
  errno = 0;
  CHECK(lscache_put(c, NULL, v, 1) == -1 && errno == EINVAL, "put(NULL key): want -1, EINVAL");
  errno = 0;
  CHECK(lscache_put(c, "k", NULL, 1) == -1 && errno == EINVAL, "put(NULL value): want -1, EINVAL");
  CHECK(lscache_get(NULL, "k") == NULL && lscache_get(c, NULL) == NULL, "get with NULL arguments");
  CHECK(lscache_remove(NULL, "k") == 0 && lscache_remove(c, NULL) == 0, "remove with NULL arguments");
  CHECK(lscache_count(NULL) == 0 && lscache_bytes(NULL) == 0, "count/bytes of NULL");
  struct lscache_stats s;
  memset(&s, 0xff, sizeof s);
  lscache_stats(NULL, &s);
  CHECK(s.hits == 0 && s.misses == 0 && s.insertions == 0 && s.evictions == 0, "stats of NULL not zero");
  CHECK(lsref_count(v) == 1, "failed puts left references: count %ld", lsref_count(v));
  CHECK(lscache_count(c) == 0, "failed puts stored something");
  /* an empty key is a key like any other */
  CHECK(lscache_put(c, "", v, 1) == 0, "put of the empty key failed");
  value *got = lscache_get(c, "");
  CHECK(got == v, "the empty key gave %p, want %p", (void *)got, (void *)v);
  lsref_release(got);
  lsref_release(v);
  lscache_free(c);
  lscache_free(NULL);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after the test", atomic_load(&live_values));
}

static void test_lru_order(void) {
  lscache *c = cache_new(3, 0);
  put_new(c, 1, 10);
  put_new(c, 2, 10);
  put_new(c, 3, 10); /* order, oldest first: 1 2 3 */
  CHECK(has(c, 1), "k1 missing");  /* 2 3 1 */
  put_new(c, 4, 10);               /* evicts 2: 3 1 4 */
  CHECK(!has(c, 2), "k2 not evicted although least recently used");
  CHECK(lscache_count(c) == 3, "count %zu, want 3", lscache_count(c));
  put_new(c, 5, 10); /* evicts 3: 1 4 5 */
  CHECK(!has(c, 3), "k3 not evicted");
  CHECK(has(c, 1) && has(c, 4) && has(c, 5), "k1, k4 or k5 missing"); /* 1 4 5 */
  put_new(c, 1, 10); /* replacing makes k1 newest: 4 5 1 */
  put_new(c, 6, 10); /* evicts 4 */
  CHECK(!has(c, 4) && has(c, 5) && has(c, 1) && has(c, 6), "replacement did not make k1 the newest");
  CHECK(lscache_bytes(c) == 30, "bytes %zu, want 30", lscache_bytes(c));
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

static void test_byte_bound(void) {
  lscache *c = cache_new(0, 100);
  put_new(c, 1, 40);
  put_new(c, 2, 40);
  put_new(c, 3, 40); /* 120 > 100: evicts k1 */
  CHECK(!has(c, 1) && has(c, 2) && has(c, 3), "byte bound: k1 should be the one evicted");
  CHECK(lscache_bytes(c) == 80, "bytes %zu, want 80", lscache_bytes(c));
  CHECK(put_new(c, 4, 100) == 0, "an entry of exactly max_bytes refused");
  CHECK(lscache_count(c) == 1 && lscache_bytes(c) == 100 && has(c, 4), "after a 100-byte put: %zu entries, %zu bytes",
        lscache_count(c), lscache_bytes(c));

  errno = 0;
  CHECK(put_new(c, 5, 101) == -1 && errno == EFBIG, "a 101-byte entry: want -1, EFBIG");
  CHECK(!has(c, 5) && has(c, 4) && lscache_bytes(c) == 100, "a refused entry changed the cache");
  errno = 0;
  CHECK(put_new(c, 4, 101) == -1 && errno == EFBIG, "a 101-byte replacement: want -1, EFBIG");
  value *v = lscache_get(c, "k4");
  CHECK(v && v->key == 4 && lscache_bytes(c) == 100, "a refused replacement removed or changed the old value");
  lsref_release(v);

  /* a zero-byte entry fits anywhere */
  CHECK(put_new(c, 6, 0) == 0 && lscache_count(c) == 2, "a zero-byte entry");
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

static void test_both_bounds(void) {
  lscache *c = cache_new(4, 100);
  for (int k = 1; k <= 5; k++) put_new(c, k, 10); /* the entry bound evicts k1 */
  CHECK(lscache_count(c) == 4 && lscache_bytes(c) == 40 && !has(c, 1), "entry bound: %zu entries, %zu bytes",
        lscache_count(c), lscache_bytes(c));
  put_new(c, 6, 80); /* 5 entries, 120 bytes: evicts k2 (entries), then k3 (bytes): k4 k5 k6 = 100 */
  CHECK(lscache_count(c) == 3 && lscache_bytes(c) == 100, "byte bound: %zu entries, %zu bytes, want 3 and 100",
        lscache_count(c), lscache_bytes(c));
  CHECK(!has(c, 3) && has(c, 4) && has(c, 5) && has(c, 6), "want k4, k5 and k6 left");
  struct lscache_stats s;
  lscache_stats(c, &s);
  CHECK(s.evictions == 3, "evictions %llu, want 3", (unsigned long long)s.evictions);
  lscache_free(c);
}

static void test_replacement(void) {
  lscache *c = cache_new(0, 100);
  value *old = value_new(1), *new = value_new(1);
  CHECK(lscache_put(c, "k1", old, 30) == 0, "put failed");
  CHECK(lsref_count(old) == 2, "the cache did not take its own reference: count %ld", lsref_count(old));
  put_new(c, 2, 30);
  put_new(c, 3, 30);
  /* k1 becomes the newest entry; 120 bytes evicts k2, leaving k3 k1 = 90 */
  CHECK(lscache_put(c, "k1", new, 60) == 0, "replacement failed");
  CHECK(lsref_count(old) == 1, "the replaced value was not released: count %ld", lsref_count(old));
  CHECK(lsref_count(new) == 2, "the new value: count %ld, want 2", lsref_count(new));
  CHECK(lscache_count(c) == 2 && lscache_bytes(c) == 90, "after replacement: %zu entries, %zu bytes, want 2 and 90",
        lscache_count(c), lscache_bytes(c));
  CHECK(!has(c, 2) && has(c, 3), "the replacement should have evicted k2 only");
  value *got = lscache_get(c, "k1");
  CHECK(got == new, "k1 gave the old value");
  lsref_release(got);
  /* putting the value that is already there changes nothing */
  CHECK(lscache_put(c, "k1", new, 60) == 0 && lsref_count(new) == 2, "re-put of the same value: count %ld",
        lsref_count(new));
  long live = atomic_load(&live_values);
  CHECK(lsref_release(old) == 1 && atomic_load(&live_values) == live - 1, "the old value outlived its last reference");
  lsref_release(new);
  CHECK(value_alive(new), "the cache's reference did not keep the new value alive");
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

static void test_stats(void) {
  lscache *c = cache_new(2, 0);
  put_new(c, 1, 1);
  put_new(c, 2, 1);
  put_new(c, 2, 1); /* a replacement counts as an insertion */
  has(c, 1);
  has(c, 1);
  has(c, 9);
  put_new(c, 3, 1); /* evicts k2 */
  lscache_remove(c, "k1"); /* a removal is no eviction */
  errno = 0;
  CHECK(lscache_put(c, NULL, NULL, 1) == -1, "bad put accepted"); /* a failed put counts as nothing */
  struct lscache_stats s;
  lscache_stats(c, &s);
  CHECK(s.hits == 2 && s.misses == 1 && s.insertions == 4 && s.evictions == 1,
        "stats hits %llu misses %llu insertions %llu evictions %llu, want 2 1 4 1", (unsigned long long)s.hits,
        (unsigned long long)s.misses, (unsigned long long)s.insertions, (unsigned long long)s.evictions);
  lscache_free(c);
}

static void test_get_keeps_alive(void) {
  lscache *c = cache_new(1, 0);
  put_new(c, 1, 8);
  value *v = lscache_get(c, "k1");
  CHECK(v != NULL, "k1 missing");
  if (!v) return;
  put_new(c, 2, 8); /* evicts k1 */
  CHECK(!has(c, 1), "k1 not evicted");
  CHECK(value_alive(v) && v->key == 1 && lsref_count(v) == 1,
        "the caller's reference did not keep the evicted value alive (count %ld)", lsref_count(v));
  long live = atomic_load(&live_values);
  CHECK(lsref_release(v) == 1 && atomic_load(&live_values) == live - 1, "the evicted value outlived its last reference");
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

static void test_remove(void) {
  lscache *c = cache_new(8, 0);
  put_new(c, 1, 5);
  put_new(c, 2, 5);
  long live = atomic_load(&live_values);
  CHECK(lscache_remove(c, "k1") == 1, "remove of a present key did not return 1");
  CHECK(atomic_load(&live_values) == live - 1, "remove did not release the value");
  CHECK(lscache_remove(c, "k1") == 0, "remove of an absent key did not return 0");
  CHECK(lscache_count(c) == 1 && lscache_bytes(c) == 5 && has(c, 2), "after remove: %zu entries, %zu bytes",
        lscache_count(c), lscache_bytes(c));
  CHECK(put_new(c, 1, 5) == 0 && has(c, 1), "a removed key could not be put back");
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

/* A destroy function that uses the cache: possible because the cache
 * releases values after unlocking. */
static lscache *reentrant_cache;
static atomic_int reentrant_calls;

static void reentrant_destroy(void *obj) {
  (void)obj;
  atomic_fetch_add(&reentrant_calls, 1);
  lscache_remove(reentrant_cache, "other");
  value *v = lscache_get(reentrant_cache, "k1");
  lsref_release(v);
}

static void test_reentrant_destroy(void) {
  reentrant_cache = cache_new(1, 0);
  void *obj = lsref_new(16, reentrant_destroy);
  CHECK(obj != NULL, "lsref_new failed");
  if (!obj) return;
  lscache_put(reentrant_cache, "self", obj, 1);
  lsref_release(obj);
  put_new(reentrant_cache, 1, 1); /* evicts "self": its destroy calls into the cache */
  CHECK(atomic_load(&reentrant_calls) == 1, "destroy ran %d times, want 1", atomic_load(&reentrant_calls));
  lscache_free(reentrant_cache);
}

#ifdef FAULT_INJECTION
static void test_out_of_memory(void) {
  calloc_fail_in = 1; /* the cache structure */
  errno = 0;
  CHECK(lscache_new(4, 0) == NULL && errno == ENOMEM, "lscache_new without memory: want NULL, ENOMEM");
  calloc_fail_in = 2; /* its table */
  errno = 0;
  CHECK(lscache_new(4, 0) == NULL && errno == ENOMEM, "lscache_new without memory for its table: want NULL, ENOMEM");
  calloc_fail_in = 1;
  errno = 0;
  CHECK(lsref_new(8, NULL) == NULL && errno == ENOMEM, "lsref_new without memory: want NULL, ENOMEM");
  calloc_fail_in = 0;

  lscache *c = cache_new(4, 0);
  put_new(c, 1, 7);
  put_new(c, 2, 7);
  struct lscache_stats before, after;
  lscache_stats(c, &before);
  value *v = value_new(3);
  malloc_fail_in = 1;
  errno = 0;
  int rc = lscache_put(c, "k3", v, 7);
  int err = errno;
  malloc_fail_in = 0;
  CHECK(rc == -1 && err == ENOMEM, "put without memory: rc %d errno %d, want -1 and ENOMEM", rc, err);
  CHECK(lsref_count(v) == 1, "a failed put kept a reference: count %ld", lsref_count(v));
  lscache_stats(c, &after);
  CHECK(memcmp(&before, &after, sizeof before) == 0, "a failed put changed the statistics");
  CHECK(lscache_count(c) == 2 && lscache_bytes(c) == 14, "a failed put changed the totals: %zu entries, %zu bytes",
        lscache_count(c), lscache_bytes(c));
  lsref_release(v);
  /* a replacement needs no memory */
  v = value_new(2);
  malloc_fail_in = 1;
  CHECK(lscache_put(c, "k2", v, 7) == 0, "a replacement failed although it needs no allocation");
  CHECK(malloc_fail_in == 1, "a replacement allocated");
  malloc_fail_in = 0;
  lsref_release(v);
  /* the order is as before: k1 is still the oldest */
  put_new(c, 4, 7);
  put_new(c, 5, 7);
  put_new(c, 6, 7);
  CHECK(!has(c, 1) && has(c, 2) && has(c, 4) && has(c, 5) && has(c, 6), "a failed put changed the LRU order");
  lscache_free(c);

  /* A table that cannot grow keeps working. */
  c = cache_new(0, SIZE_MAX);
  for (int k = 0; k < 15; k++) put_new(c, k, 1);
  v = value_new(15);
  calloc_fail_in = 1;
  rc = lscache_put(c, "k15", v, 1); /* the 16th entry fills the 16 chains: the table tries to double */
  int tried = calloc_fail_in == 0;
  calloc_fail_in = 0;
  lsref_release(v);
  CHECK(rc == 0, "a put whose table could not grow failed");
  CHECK(tried, "the table did not try to grow at 16 entries");
  for (int k = 16; k < 100; k++) put_new(c, k, 1);
  int missing = 0;
  for (int k = 0; k < 100; k++) missing += !has(c, k);
  CHECK(missing == 0 && lscache_count(c) == 100, "after a failed growth: %d keys missing, %zu entries", missing,
        lscache_count(c));
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}
#endif

static void test_growth(int n) {
  lscache *c = cache_new(0, SIZE_MAX);
  for (int k = 0; k < n; k++) {
    if (put_new(c, k, 1) != 0) {
      CHECK(0, "put %d failed: %s", k, strerror(errno));
      break;
    }
  }
  int missing = 0;
  for (int k = 0; k < n; k++) missing += !has(c, k);
  CHECK(missing == 0 && lscache_count(c) == (size_t)n, "%d of %d keys missing, %zu entries", missing, n,
        lscache_count(c));
  CHECK(atomic_load(&live_values) == n, "%ld values alive, want %d", atomic_load(&live_values), n);
  errno = 0;
  value *v = value_new(-1);
  CHECK(lscache_put(c, "overflow", v, SIZE_MAX) == -1 && errno == EOVERFLOW, "a byte total past SIZE_MAX: want EOVERFLOW");
  lsref_release(v);
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

/* The reference model: an array of key slots with use stamps; eviction
 * scans for the smallest stamp. */

#define MODEL_KEYS 48

typedef struct {
  int present;
  long value_id;
  size_t bytes;
  uint64_t stamp;
} model_slot;

typedef struct {
  model_slot slot[MODEL_KEYS];
  size_t max_entries, max_bytes, count, bytes;
  uint64_t clock;
  struct lscache_stats stats;
} model;

static uint64_t rng_next(uint64_t *state) { /* xorshift64* */
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dULL;
}

static void model_drop(model *m, int k) {
  m->slot[k].present = 0;
  m->count--;
  m->bytes -= m->slot[k].bytes;
}

static int model_put(model *m, int k, long value_id, size_t bytes) {
  if (m->max_bytes && bytes > m->max_bytes) return -1;
  model_slot *s = &m->slot[k];
  if (s->present) model_drop(m, k);
  *s = (model_slot){1, value_id, bytes, ++m->clock};
  m->count++;
  m->bytes += bytes;
  m->stats.insertions++;
  while ((m->max_entries && m->count > m->max_entries) || (m->max_bytes && m->bytes > m->max_bytes)) {
    int oldest = -1;
    for (int i = 0; i < MODEL_KEYS; i++)
      if (m->slot[i].present && (oldest < 0 || m->slot[i].stamp < m->slot[oldest].stamp)) oldest = i;
    model_drop(m, oldest);
    m->stats.evictions++;
  }
  return 0;
}

static long model_get(model *m, int k) {
  if (!m->slot[k].present) {
    m->stats.misses++;
    return -1;
  }
  m->stats.hits++;
  m->slot[k].stamp = ++m->clock;
  return m->slot[k].value_id;
}

/* Values alive: the distinct ids in the model (one value may sit under
 * several keys). */
static long model_distinct_values(const model *m) {
  long distinct = 0;
  for (int i = 0; i < MODEL_KEYS; i++) {
    if (!m->slot[i].present) continue;
    int seen = 0;
    for (int j = 0; j < i && !seen; j++) seen = m->slot[j].present && m->slot[j].value_id == m->slot[i].value_id;
    distinct += !seen;
  }
  return distinct;
}

static void test_against_model(size_t max_entries, size_t max_bytes, int operations, uint64_t seed) {
  lscache *c = cache_new(max_entries, max_bytes);
  model m = {.max_entries = max_entries, .max_bytes = max_bytes};
  uint64_t rng = seed;
  size_t max_value_bytes = max_bytes ? max_bytes + max_bytes / 8 : 200;
  int reported = 0;
  for (int op = 0; op < operations && reported < 5; op++) {
    int k = (int)(rng_next(&rng) % MODEL_KEYS);
    char name[32];
    snprintf(name, sizeof name, "k%d", k);
    unsigned dice = (unsigned)(rng_next(&rng) % 100);
    const char *what;
    if (dice < 40) { /* put a new value */
      what = "put";
      size_t bytes = (size_t)(rng_next(&rng) % (max_value_bytes + 1));
      value *v = value_new(k);
      errno = 0;
      int rc = lscache_put(c, name, v, bytes);
      int want = model_put(&m, k, v->id, bytes);
      if (rc != want || (rc == -1 && errno != EFBIG)) {
        CHECK(0, "op %d: put k%d %zu bytes gave %d (errno %d), want %d", op, k, bytes, rc, errno, want);
        reported++;
      }
      lsref_release(v);
    } else if (dice < 48) { /* put the value of another key under this one */
      what = "share";
      int from = (int)(rng_next(&rng) % MODEL_KEYS);
      char from_name[32];
      snprintf(from_name, sizeof from_name, "k%d", from);
      value *v = lscache_get(c, from_name);
      long want_id = model_get(&m, from);
      if ((v ? v->id : -1) != want_id) {
        CHECK(0, "op %d: get k%d gave value %ld, want %ld", op, from, v ? v->id : -1, want_id);
        reported++;
      }
      if (v) {
        size_t bytes = (size_t)(rng_next(&rng) % (max_value_bytes + 1));
        int rc = lscache_put(c, name, v, bytes);
        int want = model_put(&m, k, v->id, bytes);
        if (rc != want) {
          CHECK(0, "op %d: shared put k%d gave %d, want %d", op, k, rc, want);
          reported++;
        }
        lsref_release(v);
      }
    } else if (dice < 88) {
      what = "get";
      value *v = lscache_get(c, name);
      long want_id = model_get(&m, k);
      if ((v ? v->id : -1) != want_id || (v && !value_alive(v))) {
        CHECK(0, "op %d: get k%d gave value %ld, want %ld", op, k, v ? v->id : -1, want_id);
        reported++;
      }
      lsref_release(v);
    } else {
      what = "remove";
      int rc = lscache_remove(c, name);
      int want = m.slot[k].present;
      if (want) model_drop(&m, k);
      if (rc != want) {
        CHECK(0, "op %d: remove k%d gave %d, want %d", op, k, rc, want);
        reported++;
      }
    }
    if (lscache_count(c) != m.count || lscache_bytes(c) != m.bytes || atomic_load(&live_values) != model_distinct_values(&m)) {
      CHECK(0, "op %d (%s k%d): %zu entries, %zu bytes, %ld values alive; model %zu, %zu, %ld", op, what, k,
            lscache_count(c), lscache_bytes(c), atomic_load(&live_values), m.count, m.bytes, model_distinct_values(&m));
      reported++;
    }
  }
  struct lscache_stats s;
  lscache_stats(c, &s);
  CHECK(memcmp(&s, &m.stats, sizeof s) == 0,
        "max %zu entries / %zu bytes: stats %llu %llu %llu %llu, model %llu %llu %llu %llu", max_entries, max_bytes,
        (unsigned long long)s.hits, (unsigned long long)s.misses, (unsigned long long)s.insertions,
        (unsigned long long)s.evictions, (unsigned long long)m.stats.hits, (unsigned long long)m.stats.misses,
        (unsigned long long)m.stats.insertions, (unsigned long long)m.stats.evictions);
  CHECK(m.stats.evictions > 0 && m.stats.hits > 0, "the random run never evicted or hit: a weak test");
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

/* 4 threads on one cache: random puts, gets and removes over 512 keys. */

#define THREAD_KEYS 512
#define THREAD_MAX_ENTRIES 256
#define THREAD_MAX_BYTES (64 * 1024)

typedef struct {
  lscache *cache;
  int operations;
  uint64_t seed;
  uint64_t gets, puts, bad_values, over_bounds;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  uint64_t rng = a->seed;
  for (int op = 0; op < a->operations; op++) {
    int k = (int)(rng_next(&rng) % THREAD_KEYS);
    char name[32];
    snprintf(name, sizeof name, "k%d", k);
    unsigned dice = (unsigned)(rng_next(&rng) % 10);
    if (dice < 4) {
      value *v = value_new(k);
      if (lscache_put(a->cache, name, v, 1 + (size_t)(rng_next(&rng) % 1024)) == 0) a->puts++;
      lsref_release(v);
    } else if (dice < 9) {
      value *v = lscache_get(a->cache, name);
      a->gets++;
      if (v && (v->key != k || !value_alive(v))) a->bad_values++;
      lsref_release(v);
    } else {
      lscache_remove(a->cache, name);
    }
    if (lscache_count(a->cache) > THREAD_MAX_ENTRIES || lscache_bytes(a->cache) > THREAD_MAX_BYTES) a->over_bounds++;
  }
  return NULL;
}

static void test_threads(int operations) {
  lscache *c = cache_new(THREAD_MAX_ENTRIES, THREAD_MAX_BYTES);
  pthread_t threads[4];
  worker_arg args[4];
  int started = 0;
  for (int i = 0; i < 4; i++) {
    args[i] = (worker_arg){.cache = c, .operations = operations, .seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)};
    int rc = pthread_create(&threads[i], NULL, worker, &args[i]);
    CHECK(rc == 0, "pthread_create: %s", strerror(rc));
    if (rc != 0) break;
    started++;
  }
  uint64_t gets = 0, puts = 0;
  for (int i = 0; i < started; i++) {
    pthread_join(threads[i], NULL);
    CHECK(args[i].bad_values == 0, "thread %d got %llu wrong or destroyed values", i,
          (unsigned long long)args[i].bad_values);
    CHECK(args[i].over_bounds == 0, "thread %d saw the cache over its bounds %llu times", i,
          (unsigned long long)args[i].over_bounds);
    gets += args[i].gets;
    puts += args[i].puts;
  }
  struct lscache_stats s;
  lscache_stats(c, &s);
  CHECK(s.hits + s.misses == gets, "hits + misses = %llu, want %llu gets", (unsigned long long)(s.hits + s.misses),
        (unsigned long long)gets);
  CHECK(s.insertions == puts, "insertions %llu, want %llu", (unsigned long long)s.insertions, (unsigned long long)puts);
  CHECK(atomic_load(&live_values) == (long)lscache_count(c), "%ld values alive with %zu entries",
        atomic_load(&live_values), lscache_count(c));
  lscache_free(c);
  CHECK(atomic_load(&live_values) == 0, "%ld values alive after lscache_free", atomic_load(&live_values));
}

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Put and get rates on one thread: n puts of distinct keys into a cache
 * of n / 10 entries (so most puts evict), then n gets of present keys. */
static void measure_rates(int n) {
  int capacity = n / 10;
  char(*names)[16] = malloc((size_t)n * sizeof *names);
  if (!names) {
    CHECK(0, "out of memory for %d key names", n);
    return;
  }
  for (int i = 0; i < n; i++) snprintf(names[i], sizeof names[i], "key-%d", i);
  lscache *c = cache_new((size_t)capacity, 0);
  value *v = value_new(0);
  double t0 = seconds_now();
  for (int i = 0; i < n; i++) lscache_put(c, names[i], v, 1);
  double t1 = seconds_now();
  uint64_t rng = 42;
  long hits = 0;
  for (int i = 0; i < n; i++) {
    value *got = lscache_get(c, names[n - capacity + (int)(rng_next(&rng) % (uint64_t)capacity)]);
    hits += got != NULL;
    lsref_release(got);
  }
  double t2 = seconds_now();
  CHECK(hits == n, "%ld of %d gets hit", hits, n);
  printf("lscache_test: put %.2f M/s (%d puts, %d-entry cache, evicting), get %.2f M/s (hits)\n",
         n / (t1 - t0) / 1e6, n, capacity, n / (t2 - t1) / 1e6);
  lsref_release(v);
  lscache_free(c);
  free(names);
}

int main(int argc, char **argv) {
  int small = argc > 1 && strcmp(argv[1], "--small") == 0;
  test_arguments();
  test_lru_order();
  test_byte_bound();
  test_both_bounds();
  test_replacement();
  test_stats();
  test_get_keeps_alive();
  test_remove();
  test_reentrant_destroy();
#ifdef FAULT_INJECTION
  if (fault_injection_works())
    test_out_of_memory();
  else
    printf("lscache_test: out-of-memory checks skipped: malloc is replaced here (valgrind?)\n");
#endif
  test_growth(small ? 20000 : 200000);
  int operations = small ? 10000 : 100000;
  test_against_model(16, 0, operations, 1);
  test_against_model(0, 600, operations, 2);
  test_against_model(12, 500, operations, 3);
  test_threads(small ? 5000 : 200000);
  measure_rates(small ? 50000 : 1000000);
  CHECK(atomic_load(&bad_destroys) == 0, "%ld values destroyed twice", atomic_load(&bad_destroys));
  if (failures) {
    fprintf(stderr, "lscache_test: %d checks failed\n", failures);
    return 1;
  }
  printf("lscache_test: all checks passed\n");
  return 0;
}
