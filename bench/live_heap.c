/* live_heap: the workload of bench/live_retain.sh: a program with MB
 * megabytes of live heap while it runs, for the pause of a live
 * retention snapshot.
 *
 *   live_heap READY STOP MB
 *
 * Fills a global table with blocks of mixed sizes (64 bytes to 8 KiB,
 * mean about 1 KiB) until MB megabytes are live, creates READY, then
 * until STOP exists rewrites one block in 100,000 every millisecond (a
 * page written while the copy-on-write child scans is copied: about 20
 * MB a second at 1 GB) and measures, in a second thread that
 * reads the clock every 100 us, the longest time it was kept from
 * running.  Prints "blocks N max_gap_us G".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char **g_table;
static size_t g_blocks;
static volatile int g_stop;
static uint64_t g_max_gap_ns;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *ticker(void *arg) {
  uint64_t last = now_ns();
  while (!g_stop) {
    struct timespec ts = {0, 100 * 1000};
    nanosleep(&ts, NULL);
    uint64_t t = now_ns();
    if (t - last > g_max_gap_ns) g_max_gap_ns = t - last;
    last = t;
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  size_t want = (size_t)atol(argv[3]) << 20, live = 0, cap = 1 << 16;
  g_table = malloc(cap * sizeof *g_table);
  uint64_t rng = 88172645463325252u;
  while (live < want) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    size_t size = 64u << (rng % 8); /* 64 .. 8192 */
    if (g_blocks == cap) g_table = realloc(g_table, (cap *= 2) * sizeof *g_table);
    g_table[g_blocks] = malloc(size);
    memset(g_table[g_blocks++], 1, size < 64 ? size : 64);
    live += size;
  }
  FILE *f = fopen(argv[1], "w");
  if (f != NULL) fclose(f);
  pthread_t t;
  pthread_create(&t, NULL, ticker, NULL);
  for (uint64_t i = 0; access(argv[2], F_OK) != 0; i++) {
    for (size_t k = 0; k < g_blocks; k += 100000) g_table[(k + i * 7919) % g_blocks][0]++;
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  g_stop = 1;
  pthread_join(t, NULL);
  printf("blocks %zu max_gap_us %llu\n", g_blocks, (unsigned long long)(g_max_gap_ns / 1000));
  return 0;
}
