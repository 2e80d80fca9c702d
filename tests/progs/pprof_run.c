/*
 * pprof_run.c: known allocation sites for the end-to-end profile tests
 * (tests/pprof/test_pprof_run.sh): pprof_keep_live leaves 100 blocks of
 * 1 MiB live (reachable from a global), pprof_churn allocates and frees
 * 1000 blocks of 100000 bytes.
 */
#include <stdlib.h>
#include <string.h>

void *pprof_kept[100];

__attribute__((noinline)) void pprof_keep_live(void) {
  for (int i = 0; i < 100; i++) {
    pprof_kept[i] = malloc(1 << 20);
    memset(pprof_kept[i], 1, 64);
  }
}

__attribute__((noinline)) void pprof_churn(void) {
  for (int i = 0; i < 1000; i++) {
    char *p = malloc(100000);
    p[0] = (char)i;
    free(p);
  }
}

int main(void) {
  pprof_keep_live();
  pprof_churn();
  return 0;
}
