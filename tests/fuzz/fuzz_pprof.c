/*
 * fuzz_pprof.c: libFuzzer target for the pprof reader (cli/read/pprof_read.c,
 * pprof_read) and writer (cli/render/pprof_write.c).  The reader takes a
 * path, so the input goes through a memfd.  Whatever it accepts must hold
 * only in-range references, and must survive a round trip: written with
 * pprof_write() and read again, it has the same modules, locations and
 * sites with the same values.  Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "render/pprof_write.h"
#include "read/pprof_read.h"

static void fuzz_pprof_check_refs(const snapshot *s) {
  for (uint32_t i = 0; i < s->nsites; i++) {
    if (s->sites[i].stack >= s->nstacks) abort();
    const snap_stack *st = &s->stacks[s->sites[i].stack];
    for (uint32_t j = 0; j < st->nlocs; j++) {
      if (st->locs[j] >= s->nlocations) abort();
      int32_t m = s->locations[st->locs[j]].module;
      if (m >= 0 && (uint32_t)m >= s->nmodules) abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  static char path[64], out[128];
  if (fd < 0) {
    fd = memfd_create("fuzz_pprof", 0);
    if (fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char dir[] = "/tmp/fuzz_pprof.XXXXXX";
    if (mkdtemp(dir) == NULL) abort();
    snprintf(out, sizeof out, "%s/out.pb.gz", dir);
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
  char err[512];
  snapshot *s = pprof_read(path, err, sizeof err);
  if (s == NULL) {
    if (strchr(err, '\n') != NULL) abort(); /* one line */
    return 0;
  }
  fuzz_pprof_check_refs(s);
  if (pprof_write(s, out, err, sizeof err) != 0) abort();
  snapshot *back = pprof_read(out, err, sizeof err);
  if (back == NULL) abort();
  fuzz_pprof_check_refs(back);
  if (back->nmodules != s->nmodules || back->nlocations != s->nlocations ||
      back->nsites != s->nsites)
    abort();
  for (uint32_t i = 0; i < s->nsites; i++) {
    const snap_site *a = &s->sites[i], *b = &back->sites[i];
    if (a->alloc_objects != b->alloc_objects || a->alloc_bytes != b->alloc_bytes ||
        a->inuse_objects != b->inuse_objects || a->inuse_bytes != b->inuse_bytes)
      abort();
  }
  snap_free(back);
  snap_free(s);
  unlink(out);
  return 0;
}
