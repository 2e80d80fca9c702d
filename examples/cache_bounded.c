/*
 * cache_bounded.c: the fixed version of the user's leaking service, with
 * liblscache (include/lscache.h).  The service cached every response in
 * an unbounded map and grew until it was killed; here a long-running loop
 * handles 1,000,000 requests with distinct keys, caches each response
 * (100 to 2,000 bytes, a refcounted lsref object) in an lscache bounded to
 * 1,000 entries and 1 MB, and reads recent and old keys back, as a
 * service would.  The live heap stays near the bound however long it
 * runs, and after lscache_free nothing is left: under leakscope it shows
 * no leaks and almost nothing still reachable.
 *
 *   make build/examples/cache_bounded
 *   leakscope run --report r.json -- build/examples/cache_bounded [REQUESTS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lscache.h"

#define MAX_ENTRIES 1000
#define MAX_BYTES (1000 * 1000)

/* A cached response: its size and body, in one lsref object. */
typedef struct {
  size_t size;
  unsigned char body[];
} response;

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rng_next(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Builds the response for request id: 100 to 2,000 bytes derived from id. */
static response *render(long id) {
  size_t size = 100 + (size_t)(rng_next() % 1901);
  response *r = lsref_new(sizeof *r + size, NULL);
  if (!r) return NULL;
  r->size = size;
  memset(r->body, (int)(id & 0xff), size);
  return r;
}

int main(int argc, char **argv) {
  long requests = argc > 1 ? atol(argv[1]) : 1000000;
  lscache *cache = lscache_new(MAX_ENTRIES, MAX_BYTES);
  if (!cache) {
    perror("cache_bounded: lscache_new");
    return 1;
  }
  unsigned long checksum = 0, wrong = 0;
  char key[32];
  for (long id = 0; id < requests; id++) {
    snprintf(key, sizeof key, "request/%ld", id);
    response *r = render(id);
    if (!r || lscache_put(cache, key, r, sizeof *r + r->size) != 0) {
      perror("cache_bounded: caching a response");
      lsref_release(r);
      lscache_free(cache);
      return 1;
    }
    lsref_release(r); /* the cache holds its own reference now */

    /* Read back a recent response (usually cached) and an old one
     * (long evicted), as clients asking again would. */
    long recent = id - (long)(rng_next() % 200), old = id - 5000 - (long)(rng_next() % 1000);
    long ask[2] = {recent, old};
    for (int i = 0; i < 2; i++) {
      if (ask[i] < 0) continue;
      snprintf(key, sizeof key, "request/%ld", ask[i]);
      response *hit = lscache_get(cache, key);
      if (!hit) continue;
      if (hit->body[0] != (unsigned char)(ask[i] & 0xff)) wrong++;
      checksum += hit->body[hit->size - 1];
      lsref_release(hit);
    }
  }
  struct lscache_stats stats;
  lscache_stats(cache, &stats);
  printf("cache_bounded: %ld requests; cache holds %zu entries, %zu bytes (bounds %d, %d)\n", requests,
         lscache_count(cache), lscache_bytes(cache), MAX_ENTRIES, MAX_BYTES);
  printf("cache_bounded: %llu hits, %llu misses, %llu insertions, %llu evictions, checksum %lu\n",
         (unsigned long long)stats.hits, (unsigned long long)stats.misses, (unsigned long long)stats.insertions,
         (unsigned long long)stats.evictions, checksum);
  lscache_free(cache);
  if (wrong) {
    fprintf(stderr, "cache_bounded: %lu responses came back with the wrong body\n", wrong);
    return 1;
  }
  return 0;
}
