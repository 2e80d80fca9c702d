/*
 * watch_load.c: heap shapes for the leak watch's tests (tests/watch/):
 *
 *   watch_load SHAPE SECONDS [RATE [START]]
 *
 *   sawtooth_leak  a noisy sawtooth working set (sawtooth_work: random
 *                  peaks of 10 to 30 MB, periods of 0.5 to 1 s, all freed
 *                  at each drop) and, from START, a steady leak of RATE
 *                  bytes/s into a never-evicted global cache (leak_keep)
 *   late_leak      a steady working set and the leak from START (default 4 s)
 *   sawtooth       the noisy sawtooth alone
 *   warmup         a cache filled at RATE up to 24 MB (cache_step), then
 *                  held, 20 entries replaced each step (same sizes, the
 *                  same site)
 *   cache          the 24 MB cache from the start, entries replaced so
 *
 * Work is paced in 20 ms steps of the clock; the program prints nothing
 * and exits 0 after SECONDS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEP_NS 20000000L
#define CACHE_BYTES (24u << 20)
#define MAX_BLOCKS 65536

static void *g_leaked[1 << 20];   /* the leak's global cache: reachable, never evicted */
static size_t g_nleaked;
static void *g_work[MAX_BLOCKS];  /* the sawtooth's blocks */
static size_t g_nwork, g_work_bytes;
static void *g_cache[MAX_BLOCKS]; /* the warm-up's and the steady cache's entries */
static size_t g_cache_size[MAX_BLOCKS], g_ncache, g_cache_bytes;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) void leak_keep(size_t bytes) {
  for (size_t done = 0; done < bytes && g_nleaked < sizeof g_leaked / sizeof *g_leaked; done += 4096) {
    char *p = malloc(4096);
    memset(p, 1, 64);
    g_leaked[g_nleaked++] = p;
  }
}

static __attribute__((noinline)) void sawtooth_work(double peak, double step_bytes) {
  if (g_work_bytes >= peak) { /* the drop: everything goes */
    for (size_t i = 0; i < g_nwork; i++) free(g_work[i]);
    g_nwork = g_work_bytes = 0;
    return;
  }
  for (double done = 0; done < step_bytes && g_nwork < MAX_BLOCKS;) {
    size_t size = 1024 + (size_t)(rand() % (63 * 1024));
    char *p = malloc(size);
    p[0] = 1;
    g_work[g_nwork++] = p;
    g_work_bytes += size;
    done += (double)size;
  }
}

/* The cache: first fill up to bytes more (up to CACHE_BYTES), then
 * replace churn random entries by blocks of the same size; one allocation
 * site (cache_step's call of malloc) for both, as a cache has. */
static __attribute__((noinline)) void cache_step(size_t bytes, int churn) {
  size_t filled = 0;
  for (int replaced = 0;;) {
    size_t i, size;
    if (filled < bytes && g_cache_bytes < CACHE_BYTES && g_ncache < MAX_BLOCKS) {
      i = g_ncache++;
      size = 2048 + (size_t)(rand() % (14 * 1024));
      g_cache_size[i] = size;
      g_cache_bytes += size;
      filled += size;
    } else if (replaced < churn && g_ncache > 0) {
      i = (size_t)rand() % g_ncache;
      size = g_cache_size[i];
      free(g_cache[i]);
      replaced++;
    } else {
      break;
    }
    char *p = malloc(size);
    p[0] = 1;
    g_cache[i] = p;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: watch_load SHAPE SECONDS [RATE [START]]\n");
    return 2;
  }
  const char *shape = argv[1];
  double seconds = atof(argv[2]);
  double rate = argc > 3 ? atof(argv[3]) : 4e6;
  double start = argc > 4 ? atof(argv[4]) : strcmp(shape, "late_leak") == 0 ? 4 : 0;
  int saw = strcmp(shape, "sawtooth_leak") == 0 || strcmp(shape, "sawtooth") == 0;
  int leaks = strcmp(shape, "sawtooth_leak") == 0 || strcmp(shape, "late_leak") == 0;
  int warmup = strcmp(shape, "warmup") == 0, cache = strcmp(shape, "cache") == 0 || strcmp(shape, "late_leak") == 0;
  if (!saw && !leaks && !warmup && !cache) {
    fprintf(stderr, "watch_load: unknown shape %s\n", shape);
    return 2;
  }
  srand(42);
  double t0 = now_s(), peak = 10e6 + (double)(rand() % 20) * 1e6, period = 0.5 + (rand() % 50) / 100.0;
  double leaked_due = 0, leaked = 0;
  for (double t = 0; t < seconds; t = now_s() - t0) {
    if (saw) {
      sawtooth_work(peak, peak * (STEP_NS / 1e9) / period);
      if (g_nwork == 0) { /* a new tooth: another height and period */
        peak = 10e6 + (double)(rand() % 20) * 1e6;
        period = 0.5 + (rand() % 50) / 100.0;
      }
    }
    if (leaks && t >= start) {
      leaked_due = (t - start) * rate;
      if (leaked_due > leaked) {
        leak_keep((size_t)(leaked_due - leaked));
        leaked = (double)g_nleaked * 4096; /* what is held so far */
      }
    }
    if (warmup || cache) /* one call: the same stack for the fill and the churn */
      cache_step(warmup ? (size_t)(rate * STEP_NS / 1e9) : t == 0 ? CACHE_BYTES : 0, t == 0 ? 0 : 20);
    struct timespec step = {0, STEP_NS};
    nanosleep(&step, NULL);
  }
  return 0;
}
