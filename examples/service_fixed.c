/*
 * service_fixed.c: examples/service_leak.c fixed with liblscache
 * (include/lscache.h): the kept maps go into an lscache bounded to 1,000
 * sessions and 2 MB, as refcounted lsref objects whose destroy function
 * frees the map, so the least recently used sessions are evicted and the
 * live heap levels off at the bound.  Under `leakscope run --sample
 * --watch` it has no leak suspect.
 *
 *   make demo-service
 *   leakscope run --sample --watch=15 -- build/examples/service_fixed [SECONDS]
 */
#include "lscache.h"
#include "service.h"

#define CACHE_SESSIONS 1000
#define CACHE_BYTES (2 * 1000 * 1000)

/* A kept map, as the cache's lsref object. */
typedef struct {
  kv_map map;
} session;

static void session_destroy(void *obj) { kv_clear(&((session *)obj)->map); }

/* Keep the map under its session in the bounded cache (which owns it from
 * now on, and frees it when it is evicted); 0 or -1. */
static __attribute__((noinline)) int cache_keep(lscache *cache, kv_map *m) {
  const char *id = kv_get(m, "session");
  session *s = id ? lsref_new(sizeof *s, session_destroy) : NULL;
  if (s == NULL) return -1;
  s->map = *m;
  int rc = lscache_put(cache, id, s, m->bytes + sizeof *s);
  if (rc != 0) s->map = (kv_map){0};  /* the caller still owns the map */
  lsref_release(s);                    /* the cache holds its own reference */
  return rc;
}

static __attribute__((noinline)) unsigned long handle_request(lscache *cache, long id) {
  char body[8192];
  kv_map m;
  make_body(id, body, sizeof body);
  if (parse_body(body, &m) != 0) return 0;
  unsigned long sum = respond(&m);
  if (id % SERVICE_CACHE_EVERY != 0 || cache_keep(cache, &m) != 0) kv_clear(&m);
  return sum;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 30;
  lscache *cache = lscache_new(CACHE_SESSIONS, CACHE_BYTES);
  if (cache == NULL) {
    perror("service_fixed: lscache_new");
    return 1;
  }
  unsigned long sum = 0;
  double start = service_now();
  long id = 0;
  for (; service_now() - start < seconds; id++) {
    sum ^= handle_request(cache, id);
    service_pace(start, id + 1);
  }
  printf("service_fixed: %ld requests, %zu sessions cached (checksum %lx)\n", id, lscache_count(cache), sum);
  lscache_free(cache);
  return 0;
}
