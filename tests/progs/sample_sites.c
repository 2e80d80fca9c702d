/* sample_sites.c: known allocation sites for the sampling accuracy test.
 * live_big() keeps 800 MiB live in blocks of 64-512 KiB, live_small()
 * keeps 100 MiB live in blocks of 1-4 MiB, churn() allocates and frees
 * 1 GiB in blocks of 1-64 KiB.  Sizes come from a fixed LCG, so the truth is
 * the same every run; the program prints it (site inuse_bytes alloc_bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t lcg = 12345;
static size_t between(size_t lo, size_t hi) {
  lcg = lcg * 6364136223846793005u + 1442695040888963407u;
  return lo + (size_t)((lcg >> 33) % (hi - lo + 1));
}

static void *keep[8192];
static int nkeep;

__attribute__((noinline)) static size_t live_big(size_t total) {
  size_t done = 0;
  while (done < total) {
    size_t n = between(64 << 10, 512 << 10);
    keep[nkeep++] = memset(malloc(n), 1, 64);
    done += n;
  }
  return done;
}

__attribute__((noinline)) static size_t live_small(size_t total) {
  size_t done = 0;
  while (done < total) {
    size_t n = between(1 << 20, 4 << 20);
    keep[nkeep++] = memset(malloc(n), 2, 64);
    done += n;
  }
  return done;
}

__attribute__((noinline)) static size_t churn(size_t total) {
  size_t done = 0;
  while (done < total) {
    size_t n = between(1 << 10, 64 << 10);
    char *p = malloc(n);
    p[0] = 3;
    free(p);
    done += n;
  }
  return done;
}

int main(void) {
  size_t big = live_big((size_t)800 << 20);
  size_t small = live_small((size_t)100 << 20);
  size_t churned = churn((size_t)1 << 30);
  printf("live_big %zu %zu\nlive_small %zu %zu\nchurn 0 %zu\n", big, big, small, small, churned);
  return 0;
}
