/* heap_scale: a large live heap for bench/scale.sh (full mode at 10 million blocks, the exit
 * scan of 1 GiB and 4 GiB).
 *
 *   heap_scale BLOCKS SIZE [LOST_PERCENT]
 *
 * Allocates BLOCKS blocks of SIZE bytes (SIZE >= 16) as a forest of trees with four children
 * per node: every block's first words point at its children, so the scan follows BLOCKS
 * pointers and the retention graph has BLOCKS nodes. The roots of the trees sit in a global
 * array; LOST_PERCENT (default 10) of the trees are dropped before exit, so their roots are
 * definitely lost and the rest of those trees indirectly lost. The other words of each block
 * are filled with non-pointer data, as a real heap's would be. Prints the allocation time on stdout, and the time it returns from main on stderr as "exit_at_ns N cpu_ns M
 * rss_kb K" (CLOCK_REALTIME, the CPU time used so far, the resident memory), so the caller can time what runs after main: the agent's exit scan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEAP_SCALE_FANOUT 4
#define HEAP_SCALE_TREES 1024

void *heap_scale_roots[HEAP_SCALE_TREES]; /* not static: the stores must stay */

static uint64_t heap_scale_now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* VmRSS of /proc/self/status, in KiB; -1 when unknown. */
static long heap_scale_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: heap_scale BLOCKS SIZE [LOST_PERCENT]\n");
    return 2;
  }
  size_t blocks = strtoull(argv[1], NULL, 0), size = strtoull(argv[2], NULL, 0);
  unsigned lost_percent = argc > 3 ? (unsigned)atoi(argv[3]) : 10;
  if (blocks < HEAP_SCALE_TREES || size < HEAP_SCALE_FANOUT * sizeof(void *) || lost_percent > 100) {
    fprintf(stderr, "heap_scale: BLOCKS >= %d, SIZE >= %zu, LOST_PERCENT <= 100\n", HEAP_SCALE_TREES,
            HEAP_SCALE_FANOUT * sizeof(void *));
    return 2;
  }
  /* Block i's children are blocks FANOUT*i+1 .. FANOUT*i+FANOUT of its tree; the blocks are
   * allocated in order and linked once they exist, through a temporary index. */
  void **all = malloc(blocks * sizeof *all);
  if (all == NULL) return 1;
  uint64_t start = heap_scale_now_ns(CLOCK_MONOTONIC);
  size_t per_tree = blocks / HEAP_SCALE_TREES;
  for (size_t i = 0; i < blocks; i++) {
    uint64_t *b = malloc(size);
    if (b == NULL) return 1;
    for (size_t w = HEAP_SCALE_FANOUT; w < size / sizeof *b; w++) b[w] = (i * 2654435761u + w) | 1;
    memset(b, 0, HEAP_SCALE_FANOUT * sizeof *b);
    all[i] = b;
  }
  for (size_t t = 0; t < HEAP_SCALE_TREES; t++) {
    size_t base = t * per_tree, n = t == HEAP_SCALE_TREES - 1 ? blocks - base : per_tree;
    for (size_t k = 0; k < n; k++) {
      void **node = all[base + k];
      for (size_t c = 0; c < HEAP_SCALE_FANOUT; c++) {
        size_t child = HEAP_SCALE_FANOUT * k + c + 1;
        if (child < n) node[c] = all[base + child];
      }
    }
    heap_scale_roots[t] = all[base];
  }
  free(all);
  size_t lost = HEAP_SCALE_TREES * lost_percent / 100;
  for (size_t t = 0; t < lost; t++) heap_scale_roots[t] = NULL;
  printf("allocated %zu blocks of %zu bytes in %.3f s, %zu of %d trees lost\n", blocks, size,
         (double)(heap_scale_now_ns(CLOCK_MONOTONIC) - start) / 1e9, lost, HEAP_SCALE_TREES);
  fflush(stdout);
  long rss_kb = heap_scale_rss_kb();
  fprintf(stderr, "exit_at_ns %llu cpu_ns %llu rss_kb %ld\n", (unsigned long long)heap_scale_now_ns(CLOCK_REALTIME),
          (unsigned long long)heap_scale_now_ns(CLOCK_PROCESS_CPUTIME_ID), rss_kb);
  return 0;
}
