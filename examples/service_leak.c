/*
 * service_leak.c: the source document's leak as a C service.  Each request
 * body is parsed into a dynamic key/value map (examples/service.h), and one
 * request in SERVICE_CACHE_EVERY has its whole map kept in a global cache
 * by session id "for later", which nothing ever evicts: the live heap grows
 * about 45 MiB a minute while the program works as it should.  Nothing is
 * lost (the cache still points at everything), so a leak checker at exit
 * sees only "still reachable" memory; `leakscope run --sample --watch`
 * names kv_put's blocks as a leak suspect while it runs, and the global
 * g_cache as what holds them.  examples/service_fixed.c is the fix.
 *
 *   make demo-service
 *   leakscope run --sample --watch=15 -- build/examples/service_leak [SECONDS]
 */
#include "service.h"

/* The cache: every kept request's map, never evicted. */
typedef struct {
  char *session;
  kv_map map;
} cache_entry;

static cache_entry *g_cache;
static size_t g_cache_len, g_cache_cap;

static char *copy_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  return p ? memcpy(p, s, n) : NULL;
}

/* Keep the map under its session; the cache owns it from now on. */
static __attribute__((noinline)) int cache_keep(kv_map *m) {
  const char *session = kv_get(m, "session");
  if (session == NULL) return -1;
  if (g_cache_len == g_cache_cap) {
    size_t cap = g_cache_cap ? 2 * g_cache_cap : 1024;
    cache_entry *entries = realloc(g_cache, cap * sizeof *entries);
    if (entries == NULL) return -1;
    g_cache = entries;
    g_cache_cap = cap;
  }
  g_cache[g_cache_len].session = copy_string(session);
  g_cache[g_cache_len++].map = *m;
  return 0;
}

static __attribute__((noinline)) unsigned long handle_request(long id) {
  char body[8192];
  kv_map m;
  make_body(id, body, sizeof body);
  if (parse_body(body, &m) != 0) return 0;
  unsigned long sum = respond(&m);
  if (id % SERVICE_CACHE_EVERY != 0 || cache_keep(&m) != 0) kv_clear(&m);
  return sum;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 30;
  unsigned long sum = 0;
  double start = service_now();
  long id = 0;
  for (; service_now() - start < seconds; id++) {
    sum ^= handle_request(id);
    service_pace(start, id + 1);
  }
  printf("service_leak: %ld requests, %zu sessions cached (checksum %lx)\n", id, g_cache_len, sum);
  return 0;
}
