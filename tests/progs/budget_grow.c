/* budget_grow.c: grows its live heap by 1 MiB per step for 40 steps
 * (40 MiB kept), from grow_step(), printing "grown N MiB" at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *kept[64];

__attribute__((noinline)) static void *grow_step(void) { return memset(malloc(1 << 20), 7, 1 << 20); }

int main(void) {
  for (int i = 0; i < 40; i++) {
    kept[i] = grow_step();
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  printf("grown 40 MiB\n");
  return 0;
}
