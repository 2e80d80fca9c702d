/*
 * fuzz_report_read.c: libFuzzer target for the JSON report reader
 * (cli/read/report_read.c, report_read).  The reader takes a path, so the
 * input goes through a memfd.  Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/report_read.h"

/* A stack index the reader made: in range, and its locations too. */
static void fuzz_check_stack(const snapshot *s, uint32_t stack) {
  if (stack >= s->nstacks) abort();
  const snap_stack *st = &s->stacks[stack];
  for (uint32_t j = 0; j < st->nlocs; j++) {
    if (st->locs[j] >= s->nlocations) abort();
    int32_t m = s->locations[st->locs[j]].module;
    if (m >= 0 && (uint32_t)m >= s->nmodules) abort();
  }
}

static void fuzz_check_retention(const snapshot *s) {
  const snap_retention *r = s->retention;
  if (r == NULL) return;
  for (uint32_t i = 0; i < r->nroots; i++)
    if (r->roots[i].name == NULL || r->roots[i].kind == NULL) abort();
  for (uint32_t i = 0; i < r->nretainers; i++) {
    const snap_retainer *t = &r->retainers[i];
    if (t->root >= (int32_t)r->nroots || t->path_root >= (int32_t)r->nroots) abort();
    fuzz_check_stack(s, t->stack);
    for (uint32_t j = 0; j < t->npath; j++) fuzz_check_stack(s, t->path[j].stack);
  }
  for (uint32_t i = 0; i < r->nsites; i++) fuzz_check_stack(s, r->sites[i].stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  static char path[64];
  if (fd < 0) {
    fd = memfd_create("fuzz_report", 0);
    if (fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
  char err[512];
  snapshot *s = report_read(path, err, sizeof err);
  if (s != NULL) {
    /* every reference the reader made must be in range */
    for (uint32_t i = 0; i < s->nleaks; i++) fuzz_check_stack(s, s->leaks[i].stack);
    fuzz_check_retention(s);
    snap_free(s);
  }
  return 0;
}
