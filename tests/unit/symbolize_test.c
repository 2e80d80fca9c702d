/*
 * symbolize_test.c: unit test of cli/analyze/symbolize.c.  It runs the test
 * programs sym_target and sym_cxx (found next to this binary, in
 * ../progs/), builds snapshots by hand from the module map and return
 * addresses they print, symbolizes them, and checks function names, files,
 * lines, inlined frames, libc, C++ demangling, the build-id check and
 * modules that cannot be read.  It then times the symbolization of 20000
 * addresses spread over the text of libc and of /usr/bin/python3.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/snapshot.h"
#include "analyze/symbolize.h"

#include "harness/check.h"

static char progs[PATH_MAX];

/* What sym_target printed. */
typedef struct {
  snap_module mods[16];
  char paths[16][PATH_MAX];
  char ids[16][64];
  int nmods;
  uint64_t plain_ra, inline_ra, malloc_addr;
  int plain_line, inner_line, outer_line;
} target_run;

static int run_target(target_run *r) {
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "%s/sym_target", progs);
  FILE *f = popen(cmd, "r");
  if (f == NULL) return -1;
  char line[PATH_MAX + 256];
  memset(r, 0, sizeof *r);
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long a, b, s, e;
    char path[PATH_MAX], id[64];
    if (sscanf(line, "module %s %lx %63s %lx %lx", path, &b, id, &s, &e) == 5 && r->nmods < 16) {
      int i = r->nmods++;
      strcpy(r->paths[i], path);
      strcpy(r->ids[i], id);
      r->mods[i] = (snap_module){.path = r->paths[i],
                                 .build_id = strcmp(id, "-") ? r->ids[i] : NULL,
                                 .base = b, .start = s, .limit = e};
    } else if (sscanf(line, "plain %lx %d", &a, &r->plain_line) == 2) {
      r->plain_ra = a;
    } else if (sscanf(line, "inline %lx %d %d", &a, &r->inner_line, &r->outer_line) == 3) {
      r->inline_ra = a;
    } else if (sscanf(line, "malloc %lx", &a) == 1) {
      r->malloc_addr = a;
    }
  }
  if (pclose(f) != 0 || r->nmods == 0 || r->plain_ra == 0 || r->inline_ra == 0) return -1;
  return 0;
}

static int module_named(const target_run *r, const char *needle) {
  for (int i = 0; i < r->nmods; i++)
    if (strstr(r->paths[i], needle) != NULL) return i;
  return -1;
}

static int ends_with(const char *s, const char *suffix) {
  size_t a = s ? strlen(s) : 0, b = strlen(suffix);
  return s != NULL && a >= b && strcmp(s + a - b, suffix) == 0;
}

static const char *str_or(const char *s) { return s ? s : "(null)"; }

static snapshot *snapshot_of(const target_run *r, const char *exe_build_id) {
  snapshot *snap = snap_new();
  if (snap == NULL) return NULL;
  for (int i = 0; i < r->nmods; i++) {
    snap_module m = r->mods[i];
    if (i == 0 && exe_build_id != NULL) m.build_id = exe_build_id;
    if (snap_add_module(snap, &m) < 0) return NULL;
  }
  return snap;
}

static int64_t add_loc(snapshot *snap, uint64_t address, int32_t module) {
  snap_location loc = {.address = address, .module = module};
  return snap_add_location(snap, &loc);
}

static void test_target(void) {
  target_run r;
  if (run_target(&r) != 0) {
    CHECK(0, "could not run %s/sym_target", progs);
    return;
  }
  int libc = module_named(&r, "libc.so");
  int vdso = module_named(&r, "vdso");
  CHECK(libc >= 0 && vdso >= 0, "libc or vdso missing from the module map");
  snapshot *snap = snapshot_of(&r, NULL);
  CHECK(snap != NULL, "snapshot");
  snap_module missing = {.path = "/nonexistent/libgone.so", .base = 0x100000000,
                         .start = 0x100001000, .limit = 0x100002000};
  int32_t gone = (int32_t)snap_add_module(snap, &missing);
  int64_t lp = add_loc(snap, r.plain_ra, -1); /* module found by address */
  int64_t li = add_loc(snap, r.inline_ra, 0);
  int64_t lm = libc >= 0 ? add_loc(snap, r.malloc_addr + 1, libc) : -1;
  int64_t lv = vdso >= 0 ? add_loc(snap, r.mods[vdso].start + 16, vdso) : -1;
  int64_t lg = add_loc(snap, 0x100001010, gone);
  int64_t ld = add_loc(snap, r.plain_ra, 0); /* same pc again */
  char err[256];
  CHECK(symbolize_snapshot(snap, err, sizeof err) == 0, "symbolize: %s", err);
  CHECK(snap->symbolized, "symbolized flag");

  snap_location *p = &snap->locations[lp];
  CHECK(p->nlines == 1, "plain: %u lines", p->nlines);
  if (p->nlines >= 1) {
    CHECK(p->lines[0].function && strcmp(p->lines[0].function, "plain_caller") == 0,
          "plain function %s", str_or(p->lines[0].function));
    CHECK(p->lines[0].file && p->lines[0].file[0] == '/' &&
              ends_with(p->lines[0].file, "/tests/progs/sym_target.c"),
          "plain file %s", str_or(p->lines[0].file));
    CHECK(p->lines[0].line == r.plain_line, "plain line %lld, want %d",
          (long long)p->lines[0].line, r.plain_line);
  }
  CHECK(snap->locations[ld].lines == p->lines && snap->locations[ld].nlines == p->nlines,
        "the same pc is symbolized once and shared");

  snap_location *in = &snap->locations[li];
  CHECK(in->nlines == 2, "inline: %u lines", in->nlines);
  if (in->nlines == 2) {
    CHECK(in->lines[0].function && strcmp(in->lines[0].function, "inlined_helper") == 0,
          "inner function %s", str_or(in->lines[0].function));
    CHECK(in->lines[0].line == r.inner_line, "inner line %lld, want %d",
          (long long)in->lines[0].line, r.inner_line);
    CHECK(ends_with(in->lines[0].file, "/tests/progs/sym_target.c"), "inner file %s",
          str_or(in->lines[0].file));
    CHECK(in->lines[1].function && strcmp(in->lines[1].function, "outer_function") == 0,
          "outer function %s", str_or(in->lines[1].function));
    CHECK(in->lines[1].line == r.outer_line, "outer line %lld, want %d",
          (long long)in->lines[1].line, r.outer_line);
    CHECK(in->lines[1].file && in->lines[1].file[0] == '/' &&
              ends_with(in->lines[1].file, "/tests/progs/sym_target.c"),
          "outer file %s", str_or(in->lines[1].file));
  }

  if (lm >= 0) {
    snap_location *m = &snap->locations[lm];
    CHECK(m->nlines >= 1, "malloc: no lines");
    if (m->nlines >= 1) {
      const char *fn = m->lines[m->nlines - 1].function;
      CHECK(fn && (strcmp(fn, "malloc") == 0 || strcmp(fn, "__libc_malloc") == 0 ||
                   strcmp(fn, "__GI___libc_malloc") == 0),
            "malloc function %s", str_or(fn));
      printf("malloc+1 -> %s %s:%lld\n", str_or(fn), str_or(m->lines[0].file),
             (long long)m->lines[0].line);
    }
  }
  if (lv >= 0) CHECK(snap->locations[lv].nlines == 0, "vdso got lines");
  CHECK(snap->locations[lg].nlines == 0, "missing file got lines");
  snap_free(snap);

  /* A build-id that does not match the file on disk: no symbols at all. */
  snap = snapshot_of(&r, "00112233445566778899aabbccddeeff00112233");
  CHECK(snap != NULL, "snapshot");
  lp = add_loc(snap, r.plain_ra, 0);
  lm = libc >= 0 ? add_loc(snap, r.malloc_addr + 1, libc) : -1;
  CHECK(symbolize_snapshot(snap, err, sizeof err) == 0, "symbolize: %s", err);
  CHECK(snap->locations[lp].nlines == 0, "mismatched build-id was symbolized");
  if (lm >= 0) CHECK(snap->locations[lm].nlines >= 1, "libc not symbolized with a stale exe");
  snap_free(snap);
}

static void test_cxx(void) {
  char cmd[PATH_MAX + 32], line[PATH_MAX + 64], path[PATH_MAX] = "";
  snprintf(cmd, sizeof cmd, "%s/sym_cxx", progs);
  FILE *f = popen(cmd, "r");
  CHECK(f != NULL, "popen");
  if (f == NULL) return;
  unsigned long bias = 0, ra = 0;
  int want_line = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "exe %s %lx", path, &bias) == 2) continue;
    if (sscanf(line, "method %lx %d", &ra, &want_line) == 2) continue;
  }
  CHECK(pclose(f) == 0 && path[0] == '/' && ra != 0, "running %s", cmd);
  snapshot *snap = snap_new();
  snap_module m = {.path = path, .base = bias};
  int32_t mi = (int32_t)snap_add_module(snap, &m);
  int64_t li = add_loc(snap, ra, mi);
  char err[256];
  CHECK(symbolize_snapshot(snap, err, sizeof err) == 0, "symbolize: %s", err);
  snap_location *loc = &snap->locations[li];
  CHECK(loc->nlines == 1, "method: %u lines", loc->nlines);
  if (loc->nlines == 1) {
    CHECK(loc->lines[0].function &&
              strcmp(loc->lines[0].function, "ns::Widget::method(int, int*)") == 0,
          "method function %s", str_or(loc->lines[0].function));
    CHECK(loc->lines[0].line == want_line, "method line %lld, want %d",
          (long long)loc->lines[0].line, want_line);
    CHECK(ends_with(loc->lines[0].file, "/tests/progs/sym_cxx.cc"), "method file %s",
          str_or(loc->lines[0].file));
  }
  snap_free(snap);
}

/* The executable segment of an ELF file and whether it is position
 * independent. */
static int text_segment(const char *path, uint64_t *vaddr, uint64_t *size, int *pic) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  elf_version(EV_CURRENT);
  Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
  size_t n = 0;
  int rc = -1;
  GElf_Ehdr eh;
  if (elf != NULL && gelf_getehdr(elf, &eh) != NULL && elf_getphdrnum(elf, &n) == 0) {
    *pic = eh.e_type == ET_DYN;
    for (size_t i = 0; i < n; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
        continue;
      *vaddr = ph.p_vaddr;
      *size = ph.p_memsz;
      rc = 0;
      break;
    }
  }
  if (elf != NULL) elf_end(elf);
  close(fd);
  return rc;
}

/* Symbolize count addresses spread over path's text; print the time. */
static void time_module(const char *path, int count, int min_named_percent) {
  uint64_t vaddr, size;
  int pic;
  if (access(path, R_OK) != 0 || text_segment(path, &vaddr, &size, &pic) != 0) {
    printf("speed: %s not available, skipped\n", path);
    return;
  }
  uint64_t bias = pic ? 0x7f0000000000 : 0;
  snapshot *snap = snap_new();
  snap_module m = {.path = path, .base = bias, .start = bias + vaddr, .limit = bias + vaddr + size};
  int32_t mi = (int32_t)snap_add_module(snap, &m);
  for (int i = 0; i < count; i++) add_loc(snap, m.start + 1 + size * (uint64_t)i / count, mi);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  char err[256];
  CHECK(symbolize_snapshot(snap, err, sizeof err) == 0, "symbolize: %s", err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  int named = 0, lined = 0, inlined = 0;
  for (uint32_t i = 0; i < snap->nlocations; i++) {
    snap_location *loc = &snap->locations[i];
    if (loc->nlines == 0) continue;
    named += loc->lines[loc->nlines - 1].function != NULL;
    lined += loc->lines[0].line != 0;
    inlined += loc->nlines > 1;
  }
  printf("speed: %s: %d addresses in %.3f s (%.1f us each); %d with a function, %d with a line, "
         "%d with inlined frames\n",
         path, count, secs, secs * 1e6 / count, named, lined, inlined);
  CHECK(named >= count / 100 * min_named_percent, "%s: only %d of %d addresses got a function",
        path, named, count);
  CHECK(secs < 10.0, "%s: %.3f s is too slow", path, secs);
  snap_free(snap);
}

int main(int argc, char **argv) {
  char self[PATH_MAX];
  if (realpath(argv[0], self) == NULL) {
    perror(argv[0]);
    return 1;
  }
  snprintf(progs, sizeof progs, "%s/../progs", dirname(self));
  test_target();
  test_cxx();
  /* libc has a full symbol table (and DWARF with libc6-dbg); python3 may
   * have only its dynamic symbols, which name a small part of its text. */
  time_module("/lib/x86_64-linux-gnu/libc.so.6", 20000, 80);
  char python[PATH_MAX];
  if (realpath("/usr/bin/python3", python) != NULL) time_module(python, 20000, 5);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
