/*
 * fuzz_raw.c: libFuzzer target for the raw snapshot reader
 * (cli/read/snap_raw.c, snap_raw_read), the retention graph's lines included.
 * The reader takes a path, so the input goes through a memfd.  Built and
 * run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/snap_raw.h"

static void fuzz_check_stack(const snapshot *s, uint32_t stack) {
  if (stack >= s->nstacks) abort();
  const snap_stack *st = &s->stacks[stack];
  for (uint32_t j = 0; j < st->nlocs; j++)
    if (st->locs[j] >= s->nlocations) abort();
}

/* The graph as snap_graph_finish left it: rows in order, every edge, root
 * and node stack in range. */
static void fuzz_check_graph(const snapshot *s) {
  const snap_graph *g = s->graph;
  if (g == NULL) return;
  if (g->first == NULL || g->first[0] != 0 || g->first[g->nnodes] != g->nedges) abort();
  for (uint32_t v = 0; v < g->nnodes; v++) {
    if (g->first[v] > g->first[v + 1]) abort();
    fuzz_check_stack(s, g->nodes[v].stack);
  }
  for (uint64_t e = 0; e < g->nedges; e++)
    if (g->to[e] >= g->nnodes) abort();
  for (uint64_t i = 0; i < g->nroots; i++)
    if (g->roots[i].node >= g->nnodes) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  static char path[64];
  if (fd < 0) {
    fd = memfd_create("fuzz_raw", 0);
    if (fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
  char err[512];
  snapshot *s = snap_raw_read(path, err, sizeof err);
  if (s != NULL) {
    for (uint32_t i = 0; i < s->nleaks; i++) fuzz_check_stack(s, s->leaks[i].stack);
    for (uint32_t i = 0; i < s->nsites; i++) fuzz_check_stack(s, s->sites[i].stack);
    fuzz_check_graph(s);
    snap_free(s);
  }
  return 0;
}
