/*
 * fuzz_report_read.c: libFuzzer target for the JSON report reader
 * (cli/report_read.c, snap_read_report).  The reader takes a path, so the
 * input goes through a memfd.  Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snap_readers.h"

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
  snapshot *s = snap_read_report(path, err, sizeof err);
  if (s != NULL) {
    /* every reference the reader made must be in range */
    for (uint32_t i = 0; i < s->nleaks; i++) {
      if (s->leaks[i].stack >= s->nstacks) abort();
      const snap_stack *st = &s->stacks[s->leaks[i].stack];
      for (uint32_t j = 0; j < st->nlocs; j++) {
        if (st->locs[j] >= s->nlocations) abort();
        int32_t m = s->locations[st->locs[j]].module;
        if (m >= 0 && (uint32_t)m >= s->nmodules) abort();
      }
    }
    snap_free(s);
  }
  return 0;
}
