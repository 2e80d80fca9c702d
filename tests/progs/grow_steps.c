/* grow_steps.c: a heap that holds still, then grows: the test program of
 * `run --capture-growth`.  It churns a steady 1 MiB for FLAT seconds, then
 * adds 4 MiB every 200 ms from one site (grow_cache), GROW x 5 times, and
 * exits after freeing everything.  The steady heap is smaller than one step,
 * so that a capture of the first step alone still shows grow_cache on top, in
 * sample mode too (4 MiB of steady 4 KiB blocks is 8 samples at 512 KiB, whose
 * estimate passes 4 MiB four times in ten; in full mode the churned 4 MiB
 * tied with one step).
 *
 *   grow_steps FLAT GROW     seconds of each phase (default 3 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEADY_BLOCKS 256
#define STEADY_SIZE 4096
#define GROW_STEP (4u << 20)
#define GROW_MAX 64

static void *g_steady[STEADY_BLOCKS];
static void *g_cache[GROW_MAX];

static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Replace a few steady blocks: the live heap stays the same. */
static __attribute__((noinline)) void steady_churn(unsigned *seed)
{
  for (int i = 0; i < 64; i++) {
    *seed = *seed * 1103515245u + 12345u;
    unsigned k = (*seed >> 8) % STEADY_BLOCKS;
    free(g_steady[k]);
    g_steady[k] = malloc(STEADY_SIZE);
    memset(g_steady[k], (int)k, STEADY_SIZE);
  }
}

static __attribute__((noinline)) void grow_cache(int n)
{
  g_cache[n] = malloc(GROW_STEP);
  memset(g_cache[n], n, GROW_STEP);
}

int main(int argc, char **argv)
{
  double flat = argc > 1 ? atof(argv[1]) : 3, grow = argc > 2 ? atof(argv[2]) : 3;
  unsigned seed = 1;
  for (int i = 0; i < STEADY_BLOCKS; i++) {
    g_steady[i] = malloc(STEADY_SIZE);
    memset(g_steady[i], i, STEADY_SIZE);
  }
  double start = now_seconds();
  while (now_seconds() - start < flat) {
    steady_churn(&seed);
    nap_ms(20);
  }
  /* a step every 200 ms: as many steps as GROW seconds hold, however
   * long each takes on a busy machine (the output is the same every run) */
  int grown = 0, steps = (int)(grow * 5 + 0.5);
  if (steps > GROW_MAX) steps = GROW_MAX;
  while (grown < steps) {
    grow_cache(grown++);
    steady_churn(&seed);
    nap_ms(200);
  }
  printf("grow_steps: %d steps of %u bytes\n", grown, GROW_STEP);
  for (int i = 0; i < grown; i++) free(g_cache[i]);
  for (int i = 0; i < STEADY_BLOCKS; i++) free(g_steady[i]);
  return 0;
}
