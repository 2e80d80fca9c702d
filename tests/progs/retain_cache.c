/* retain_cache.c: retention accuracy program for `leakscope retain`: a
 * long-lived cache that keeps growing while it stays reachable, as in the
 * user's story.  At exit it holds, each with exact sizes printed to stdout
 * as truth lines "NAME BYTES BLOCKS":
 *   g_cache       global -> cache struct -> bucket array -> chained entries,
 *                 each an entry struct + key string + value buffer; only
 *                 g_cache points into it, so all of it is g_cache's retained
 *                 size;
 *   g_config      global -> a config struct with its name and port array;
 *   shared        a struct (and its label) pointed at by both g_shared_a and
 *                 g_shared_b: reachable through several roots, retained by
 *                 neither global;
 *   thread_stack  a session struct (and its buffer) held only by a local
 *                 variable of a worker thread that blocks forever while main
 *                 calls exit(0);
 * plus one line "thread_tid TID" (the worker's thread id, for the root name
 * "stack of thread TID") and one definitely lost 77-byte block for contrast.
 * Every pointer is a block's start; every allocated byte is written, so no
 * stale pointer hides in a block, and main scrubs its stack before exit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CACHE_FIRST_BUCKETS 16
#define CACHE_MAX_LOAD 2 /* entries per bucket before the bucket array doubles */
#define CACHE_KEYS 1200  /* distinct keys; inserts past these replace old values */
#define CACHE_INSERTS 1800

struct cache_entry {
  struct cache_entry *next;
  char *key;
  unsigned char *value;
  size_t value_len;
};

struct cache {
  struct cache_entry **buckets;
  size_t nbuckets;
  size_t nentries;
  size_t value_bytes;
};

struct config {
  char *name;
  int *ports;
  size_t nports;
};

struct shared_state {
  char *label;
  long users;
};

struct session {
  unsigned char *buffer;
  size_t buffer_len;
};

/* Two are static (local symbols), two not; volatile keeps the compiler from
 * dropping a global that is only ever written. */
struct cache *volatile g_cache;
static struct config *volatile g_config;
struct shared_state *volatile g_shared_a;
static struct shared_state *volatile g_shared_b;

/* The worker's id and ready signal; nothing here is a pointer to its data. */
static int g_ready_pipe[2];
static pid_t g_worker_tid;
static pthread_mutex_t g_park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_park_cond = PTHREAD_COND_INITIALIZER;

/* Requested bytes and blocks of one truth line. */
struct truth {
  size_t bytes, blocks;
};

/* p, or the end of the program when malloc failed; called around malloc so
 * that each block's allocation stack starts at the function making it. */
static void *must(void *p) {
  if (p == NULL) {
    perror("retain_cache: malloc");
    exit(1);
  }
  return p;
}

__attribute__((noinline)) static struct cache *cache_create(void) {
  struct cache *c = must(malloc(sizeof *c));
  c->nbuckets = CACHE_FIRST_BUCKETS;
  c->buckets = must(malloc(c->nbuckets * sizeof *c->buckets));
  for (size_t i = 0; i < c->nbuckets; i++) c->buckets[i] = NULL;
  c->nentries = 0;
  c->value_bytes = 0;
  return c;
}

static size_t cache_hash(const char *key) {
  size_t h = 5381;
  for (; *key; key++) h = h * 33 + (unsigned char)*key;
  return h;
}

/* Doubles the bucket array and rechains every entry into the new one. */
__attribute__((noinline)) static void cache_grow(struct cache *c) {
  size_t n = c->nbuckets * 2;
  struct cache_entry **buckets = must(malloc(n * sizeof *buckets));
  for (size_t i = 0; i < n; i++) buckets[i] = NULL;
  for (size_t i = 0; i < c->nbuckets; i++) {
    struct cache_entry *e = c->buckets[i];
    while (e != NULL) {
      struct cache_entry *next = e->next;
      size_t b = cache_hash(e->key) % n;
      e->next = buckets[b];
      buckets[b] = e;
      e = next;
    }
  }
  free(c->buckets);
  c->buckets = buckets;
  c->nbuckets = n;
}

static size_t value_size_for(unsigned round) {
  return 24 + (size_t)(round * 37u % 480u);
}

__attribute__((noinline)) static unsigned char *value_make(size_t len, unsigned round) {
  unsigned char *v = must(malloc(len));
  memset(v, 'a' + (int)(round % 26), len);
  return v;
}

/* Inserts key (or replaces its value) with a value of a size that varies
 * with round. */
__attribute__((noinline)) static void cache_put(struct cache *c, unsigned key_no, unsigned round) {
  char key[32];
  snprintf(key, sizeof key, "user:%05u", key_no);
  size_t b = cache_hash(key) % c->nbuckets;
  size_t len = value_size_for(round);
  for (struct cache_entry *e = c->buckets[b]; e != NULL; e = e->next) {
    if (strcmp(e->key, key) != 0) continue;
    free(e->value);
    c->value_bytes -= e->value_len;
    e->value = value_make(len, round);
    e->value_len = len;
    c->value_bytes += len;
    return;
  }
  struct cache_entry *e = must(malloc(sizeof *e));
  size_t key_len = strlen(key) + 1;
  e->key = must(malloc(key_len));
  memcpy(e->key, key, key_len);
  e->value = value_make(len, round);
  e->value_len = len;
  e->next = c->buckets[b];
  c->buckets[b] = e;
  c->nentries++;
  c->value_bytes += len;
  if (c->nentries > c->nbuckets * CACHE_MAX_LOAD) cache_grow(c);
}

/* The cache as the program's long life leaves it: growing, with some keys
 * updated again and again. */
__attribute__((noinline)) static void cache_fill(void) {
  g_cache = cache_create();
  for (unsigned round = 0; round < CACHE_INSERTS; round++) {
    unsigned key_no = round < CACHE_KEYS ? round : (round * 7u) % CACHE_KEYS;
    cache_put(g_cache, key_no, round);
  }
}

__attribute__((noinline)) static struct truth cache_truth(const struct cache *c) {
  struct truth t = {sizeof *c + c->nbuckets * sizeof *c->buckets, 2};
  for (size_t i = 0; i < c->nbuckets; i++)
    for (const struct cache_entry *e = c->buckets[i]; e != NULL; e = e->next) {
      t.bytes += sizeof *e + strlen(e->key) + 1 + e->value_len;
      t.blocks += 3;
    }
  return t;
}

__attribute__((noinline)) static struct truth config_load(void) {
  static const char name[] = "retain_cache.conf";
  struct config *cfg = must(malloc(sizeof *cfg));
  cfg->name = must(malloc(sizeof name));
  memcpy(cfg->name, name, sizeof name);
  cfg->nports = 6;
  cfg->ports = must(malloc(cfg->nports * sizeof *cfg->ports));
  for (size_t i = 0; i < cfg->nports; i++) cfg->ports[i] = 8080 + (int)i;
  g_config = cfg;
  struct truth t = {sizeof *cfg + sizeof name + cfg->nports * sizeof *cfg->ports, 3};
  return t;
}

__attribute__((noinline)) static struct truth shared_make(void) {
  static const char label[] = "shared between two owners";
  struct shared_state *s = must(malloc(sizeof *s));
  s->label = must(malloc(sizeof label));
  memcpy(s->label, label, sizeof label);
  s->users = 2;
  g_shared_a = s;
  g_shared_b = s;
  struct truth t = {sizeof *s + sizeof label, 2};
  return t;
}

#define SESSION_BUFFER 3000

__attribute__((noinline)) static struct session *session_open(void) {
  struct session *s = must(malloc(sizeof *s));
  s->buffer_len = SESSION_BUFFER;
  s->buffer = must(malloc(s->buffer_len));
  memset(s->buffer, 's', s->buffer_len);
  return s;
}

/* The worker: opens a session held only by its local variable, says it is
 * ready, and waits forever. */
static void *worker(void *arg) {
  struct session *volatile session = session_open();
  g_worker_tid = (pid_t)syscall(SYS_gettid);
  char ready = 1;
  if (write(g_ready_pipe[1], &ready, 1) != 1) abort();
  pthread_mutex_lock(&g_park_lock);
  for (;;) pthread_cond_wait(&g_park_cond, &g_park_lock);
  (void)session;
  return arg;
}

/* A block nothing points at any more. */
__attribute__((noinline)) static void leak_one(void) {
  char *volatile p = must(malloc(77));
  memset(p, 'x', 77);
  p = NULL;
}

__attribute__((noinline)) static void scrub_stack(void) {
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

__attribute__((noinline)) static void start_worker(void) {
  pthread_t t;
  char ready;
  if (pipe(g_ready_pipe) != 0 || pthread_create(&t, NULL, worker, NULL) != 0 ||
      read(g_ready_pipe[0], &ready, 1) != 1) {
    perror("retain_cache: worker");
    exit(1);
  }
}

__attribute__((noinline)) static void run(void) {
  cache_fill();
  struct truth cache = cache_truth(g_cache);
  struct truth config = config_load();
  struct truth shared = shared_make();
  struct truth session = {sizeof(struct session) + SESSION_BUFFER, 2};
  start_worker();
  leak_one();
  printf("g_cache %zu %zu\n", cache.bytes, cache.blocks);
  printf("g_config %zu %zu\n", config.bytes, config.blocks);
  printf("shared %zu %zu\n", shared.bytes, shared.blocks);
  printf("thread_stack %zu %zu\n", session.bytes, session.blocks);
  printf("thread_tid %d\n", (int)g_worker_tid);
  fflush(stdout);
}

int main(void) {
  run();
  scrub_stack();
  exit(0);
}
