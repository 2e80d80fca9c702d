/*
 * pprof_unsymbolized.c: unit test of a profile written from a snapshot
 * that is not symbolized (addresses and mappings only).  The raw snapshot
 * comes from the test program pprof_sites ($PROGS, default
 * build/tests/progs); the profile must read back with the same modules
 * (load bias recovered from the ELF file), addresses and values and no
 * lines, and symbolizing what was read must find the program's functions.
 * Exit 77 (skip) when the test program is not built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render/pprof_write.h"
#include "read/pprof_read.h"
#include "read/snap_raw.h"
#include "model/snapshot.h"
#include "analyze/symbolize.h"

#include "harness/check.h"

/* Whether some location of the snapshot has a line in function fn. */
static int has_function(const snapshot *s, const char *fn) {
  for (uint32_t i = 0; i < s->nlocations; i++)
    for (uint32_t k = 0; k < s->locations[i].nlines; k++)
      if (s->locations[i].lines[k].function && strcmp(s->locations[i].lines[k].function, fn) == 0)
        return 1;
  return 0;
}

int main(void) {
  const char *progs = getenv("PROGS") ? getenv("PROGS") : "build/tests/progs";
  char prog[1024], dir[] = "/tmp/pprof_unsym.XXXXXX", raw[1100], prof[1100], cmd[4096];
  snprintf(prog, sizeof prog, "%s/pprof_sites", progs);
  if (access(prog, X_OK) != 0) {
    printf("%s is not built\n", prog);
    return 77;
  }
  if (mkdtemp(dir) == NULL) return 1;
  snprintf(raw, sizeof raw, "%s/s.raw", dir);
  snprintf(prof, sizeof prof, "%s/s.pb.gz", dir);
  snprintf(cmd, sizeof cmd, "'%s' '%s' sample", prog, raw);
  if (system(cmd) != 0) {
    fprintf(stderr, "%s failed\n", cmd);
    return 1;
  }
  char err[512] = "";
  snapshot *a = snap_raw_read(raw, err, sizeof err);
  if (a == NULL) {
    fprintf(stderr, "snap_raw_read: %s\n", err);
    return 1;
  }
  CHECK(!a->symbolized);
  CHECK(pprof_write(a, prof, err, sizeof err) == 0);
  snapshot *b = pprof_read(prof, err, sizeof err);
  CHECK(b != NULL);
  if (b != NULL) {
    CHECK(!b->symbolized);
    CHECK(b->nmodules == a->nmodules && b->nlocations == a->nlocations && b->nsites == a->nsites);
    for (uint32_t i = 0; i < a->nmodules && i < b->nmodules; i++) {
      CHECK(strcmp(a->modules[i].path, b->modules[i].path) == 0);
      CHECK(a->modules[i].start == b->modules[i].start && a->modules[i].limit == b->modules[i].limit);
      CHECK(a->modules[i].base == b->modules[i].base); /* recovered from the ELF headers */
    }
    for (uint32_t i = 0; i < a->nlocations && i < b->nlocations; i++) {
      CHECK(a->locations[i].address == b->locations[i].address);
      CHECK(a->locations[i].module == b->locations[i].module);
      CHECK(b->locations[i].nlines == 0);
    }
    for (uint32_t i = 0; i < a->nsites && i < b->nsites; i++)
      CHECK(a->sites[i].inuse_bytes == b->sites[i].inuse_bytes &&
            a->sites[i].alloc_objects == b->sites[i].alloc_objects);
    CHECK(symbolize_snapshot(b, err, sizeof err) == 0);
    CHECK(b->symbolized);
    CHECK(has_function(b, "pprof_alloc_big") && has_function(b, "pprof_middle"));
  }
  snap_free(a);
  snap_free(b);
  unlink(raw);
  unlink(prof);
  rmdir(dir);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures != 0;
}
