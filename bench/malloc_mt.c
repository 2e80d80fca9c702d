/* malloc_mt: the malloc-heavy two-thread micro-benchmark of bench/run.sh.
 *
 * Two threads each churn a working set of live blocks: millions of malloc/free/realloc/calloc
 * of mixed small sizes (mostly 16..256 bytes, some up to 4 KiB), called 10 to 20 frames deep
 * through a few mutually recursive functions, plus allocations made by libc on the program's
 * behalf (strdup) and from inside qsort comparison callbacks (libc frames without frame
 * pointers in between). Deterministic: prints a checksum that is the same on every run.
 *
 *   malloc_mt [SCALE [SLOTS]]   SCALE (default 10) multiplies the work (10 is about 0.6 s
 *                               here); SLOTS (a power of two, default 8192) is each thread's working set of
 *                               live blocks (65536: the "large live set" rows of bench/run.sh)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MALLOC_MT_SLOTS_DEFAULT 8192 /* live blocks per thread */
#define MALLOC_MT_SLOTS_MAX 65536
#define MALLOC_MT_BATCH 64          /* operations per descent */
#define MALLOC_MT_SORT_N 16         /* elements sorted by the allocating comparator */

static unsigned malloc_mt_slots = MALLOC_MT_SLOTS_DEFAULT;

struct malloc_mt_state {
  uint64_t rng;
  void *slot[MALLOC_MT_SLOTS_MAX];  /* the first malloc_mt_slots are used */
  size_t slot_size[MALLOC_MT_SLOTS_MAX];
  uint64_t checksum;
  long descents;
};

static uint64_t malloc_mt_rand(struct malloc_mt_state *st)
{
  st->rng ^= st->rng << 13;
  st->rng ^= st->rng >> 7;
  st->rng ^= st->rng << 17;
  return st->rng;
}

/* Mixed small sizes: most under 256 bytes, a tail up to 4 KiB. */
static size_t malloc_mt_size(struct malloc_mt_state *st)
{
  uint64_t r = malloc_mt_rand(st);
  unsigned pick = (unsigned)(r & 15);
  if (pick < 10)
    return 16 + (size_t)((r >> 8) % 112);
  if (pick < 15)
    return 128 + (size_t)((r >> 8) % 384);
  return 512 + (size_t)((r >> 8) % 3584);
}

/* Replace one block of the working set; touches the new memory so the work is real. */
static __attribute__((noinline)) void malloc_mt_churn(struct malloc_mt_state *st)
{
  unsigned i = (unsigned)(malloc_mt_rand(st) & (malloc_mt_slots - 1));
  size_t n = malloc_mt_size(st);
  unsigned op = (unsigned)(malloc_mt_rand(st) % 8);
  unsigned char *p;
  if (op == 0 && st->slot[i]) {
    p = realloc(st->slot[i], n);
    if (!p)
      abort();
  } else {
    free(st->slot[i]);
    p = op == 1 ? calloc(1, n) : malloc(n);
    if (!p)
      abort();
  }
  p[0] = (unsigned char)n;
  p[n - 1] = (unsigned char)(n >> 3);
  st->slot[i] = p;
  st->slot_size[i] = n;
  st->checksum += n;
}

/* An allocation made by libc for us: strdup of a short formatted name. */
static __attribute__((noinline)) void malloc_mt_strdup(struct malloc_mt_state *st)
{
  char buf[48];
  int len = snprintf(buf, sizeof buf, "key-%llu", (unsigned long long)(malloc_mt_rand(st) % 100000));
  char *s = strdup(buf);
  if (!s)
    abort();
  st->checksum += (uint64_t)len + (unsigned char)s[4];
  unsigned i = (unsigned)(malloc_mt_rand(st) & (malloc_mt_slots - 1));
  free(st->slot[i]);
  st->slot[i] = s;
  st->slot_size[i] = (size_t)len + 1;
}

/* qsort comparator that allocates: it builds both keys in fresh buffers, as code that
 * compares by a computed string does. */
static int malloc_mt_cmp(const void *a, const void *b)
{
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  char *ka = malloc(24), *kb = malloc(24);
  if (!ka || !kb)
    abort();
  snprintf(ka, 24, "%010u", x);
  snprintf(kb, 24, "%010u", y);
  int r = strcmp(ka, kb);
  free(ka);
  free(kb);
  return r;
}

static __attribute__((noinline)) void malloc_mt_sort(struct malloc_mt_state *st)
{
  unsigned v[MALLOC_MT_SORT_N];
  for (int i = 0; i < MALLOC_MT_SORT_N; i++)
    v[i] = (unsigned)malloc_mt_rand(st);
  qsort(v, MALLOC_MT_SORT_N, sizeof v[0], malloc_mt_cmp);
  st->checksum += v[0] % 1000 + v[MALLOC_MT_SORT_N - 1] % 1000;
}

/* The bottom of a descent: a batch of operations. */
static __attribute__((noinline)) void malloc_mt_work(struct malloc_mt_state *st)
{
  for (int k = 0; k < MALLOC_MT_BATCH; k++) {
    unsigned r = (unsigned)(malloc_mt_rand(st) % 1024);
    if (r == 0)
      malloc_mt_sort(st);
    else if (r < 64)
      malloc_mt_strdup(st);
    else
      malloc_mt_churn(st);
  }
}

static long malloc_mt_walk_b(struct malloc_mt_state *st, int depth);
static long malloc_mt_walk_c(struct malloc_mt_state *st, int depth);

/* Three mutually recursive levels, so that stacks vary in depth and in shape. The
 * arithmetic after each call keeps it from becoming a tail call. */
static __attribute__((noinline)) long malloc_mt_walk_a(struct malloc_mt_state *st, int depth)
{
  if (depth <= 0) {
    malloc_mt_work(st);
    return 1;
  }
  long r = (depth % 3 == 0) ? malloc_mt_walk_c(st, depth - 1) : malloc_mt_walk_b(st, depth - 1);
  return r + depth;
}

static __attribute__((noinline)) long malloc_mt_walk_b(struct malloc_mt_state *st, int depth)
{
  volatile char pad[32];
  pad[0] = (char)depth;
  if (depth <= 0) {
    malloc_mt_work(st);
    return pad[0];
  }
  long r = malloc_mt_walk_a(st, depth - 1);
  return r + pad[0];
}

static __attribute__((noinline)) long malloc_mt_walk_c(struct malloc_mt_state *st, int depth)
{
  if (depth <= 0) {
    malloc_mt_work(st);
    return 2;
  }
  long r = (depth & 1) ? malloc_mt_walk_a(st, depth - 1) : malloc_mt_walk_b(st, depth - 1);
  return r * 3 + 1;
}

struct malloc_mt_arg {
  int id;
  long descents;
  uint64_t checksum;
};

static void *malloc_mt_thread(void *p)
{
  struct malloc_mt_arg *arg = p;
  struct malloc_mt_state *st = calloc(1, sizeof *st);
  if (!st)
    abort();
  st->rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(arg->id + 1);
  long acc = 0;
  for (long d = 0; d < arg->descents; d++) {
    int depth = 4 + (int)(malloc_mt_rand(st) % 9);   /* 10..18 frames above malloc */
    acc += malloc_mt_walk_a(st, depth);
  }
  for (unsigned i = 0; i < malloc_mt_slots; i++)
    free(st->slot[i]);
  arg->checksum = st->checksum + (uint64_t)acc;
  free(st);
  return NULL;
}

int main(int argc, char **argv)
{
  long scale = argc > 1 ? strtol(argv[1], NULL, 10) : 10;
  long slots = argc > 2 ? strtol(argv[2], NULL, 10) : MALLOC_MT_SLOTS_DEFAULT;
  if (scale <= 0 || slots <= 0 || slots > MALLOC_MT_SLOTS_MAX || (slots & (slots - 1)) != 0) {
    fprintf(stderr, "malloc_mt: SCALE must be a positive integer, SLOTS a power of two\n");
    return 2;
  }
  malloc_mt_slots = (unsigned)slots;
  struct malloc_mt_arg args[2];
  pthread_t tid[2];
  for (int t = 0; t < 2; t++) {
    args[t].id = t;
    args[t].descents = scale * 16000;
    args[t].checksum = 0;
    if (pthread_create(&tid[t], NULL, malloc_mt_thread, &args[t]) != 0) {
      fprintf(stderr, "malloc_mt: pthread_create failed\n");
      return 1;
    }
  }
  for (int t = 0; t < 2; t++)
    pthread_join(tid[t], NULL);
  printf("malloc_mt scale=%ld ops=%ld checksum=%llu\n", scale,
         2 * scale * 16000L * MALLOC_MT_BATCH,
         (unsigned long long)(args[0].checksum ^ (args[1].checksum << 1)));
  return 0;
}
