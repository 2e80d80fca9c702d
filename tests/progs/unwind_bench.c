/*
 * unwind_bench.c: a micro-benchmark of stack capture.  Descends DEPTH
 * frames through three mutually recursive functions, then allocates and
 * frees ITERS blocks from four call sites there; prints the wall time per
 * malloc/free pair and the TSC rate (to turn the agent's unwind_check
 * cycles into nanoseconds).  Run it plain, under the agent, and under the
 * agent with unwind=libunwind; build it with -O2 -fomit-frame-pointer.
 * Usage: unwind_bench [DEPTH [ITERS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static void site_a(int i) { void *p = malloc(16 + (size_t)(i & 7)); sink += (unsigned long)p; free(p); }
__attribute__((noinline)) static void site_b(int i) { void *p = malloc(48); sink += (unsigned long)p; free(p); }
__attribute__((noinline)) static void site_c(int i) { void *p = calloc(1, 32); sink += (unsigned long)p; free(p); }
__attribute__((noinline)) static void site_d(int i) { site_a(i + 1); }

static void work(long iters) {
  for (long i = 0; i < iters; i++) {
    switch (i & 3) {
      case 0: site_a((int)i); break;
      case 1: site_b((int)i); break;
      case 2: site_c((int)i); break;
      default: site_d((int)i); break;
    }
  }
}

__attribute__((noinline)) static void down_b(int depth, long iters);
__attribute__((noinline)) static void down_c(int depth, long iters);

__attribute__((noinline)) static void down_a(int depth, long iters) {
  if (depth <= 0) work(iters);
  else down_b(depth - 1, iters);
  sink++;
}

__attribute__((noinline)) static void down_b(int depth, long iters) {
  volatile char pad[24];
  pad[depth % 24] = 1;
  if (depth <= 0) work(iters);
  else down_c(depth - 1, iters);
  sink += pad[0];
}

__attribute__((noinline)) static void down_c(int depth, long iters) {
  if (depth <= 0) work(iters);
  else down_a(depth - 1, iters);
  sink++;
}

int main(int argc, char **argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 30;
  long iters = argc > 2 ? atol(argv[2]) : 2000000;
  double t0 = now_ns();
  unsigned long long c0 = __builtin_ia32_rdtsc();
  down_a(depth, iters);
  double t1 = now_ns();
  unsigned long long c1 = __builtin_ia32_rdtsc();
  printf("depth=%d iters=%ld ns_per_alloc=%.1f tsc_ghz=%.3f\n", depth, iters, (t1 - t0) / (double)iters,
         (double)(c1 - c0) / (t1 - t0));
  return 0;
}
