/*
 * pprof_roundtrip.c: unit test of pprof_write() and pprof_read(): a
 * snapshot built by hand is written and read back with the same modules,
 * locations, lines, stacks and values; then truncated and corrupted copies
 * of the file are rejected with a reason, and a raw (not gzip'd) profile
 * is accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "render/pprof_write.h"
#include "read/pprof_read.h"
#include "model/snapshot.h"

#include "harness/check.h"

static int streq(const char *a, const char *b) {
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

static snapshot *make_snapshot(void) {
  snapshot *snap = snap_new();
  snap->mode = "sample";
  snap->sample_interval = 524288;
  snap->time_ns = 1764123456000000000;
  snap->duration_ns = 1500000000;
  snap_module exe = {.path = snap_str(snap, "/usr/bin/prog"), .build_id = snap_str(snap, "0badc0de"),
                     .base = 0x555555554000, .start = 0x555555555000, .limit = 0x555555556000,
                     .offset = 0x1000};
  snap_module libc = {.path = snap_str(snap, "/lib/libc.so.6"), .base = 0x7f0000000000,
                      .start = 0x7f0000001000, .limit = 0x7f0000020000, .offset = 0x1000};
  snap_add_module(snap, &exe);
  snap_add_module(snap, &libc);
  /* location 0: make_node inlined into build_tree; 1: main; 2: libc, no lines */
  snap_line *l0 = snap_alloc(snap, 2 * sizeof *l0);
  l0[0] = (snap_line){snap_str(snap, "make_node"), snap_str(snap, "tree.c"), 12, NULL};
  l0[1] = (snap_line){snap_str(snap, "build_tree"), snap_str(snap, "tree.c"), 40, NULL};
  snap_line *l1 = snap_alloc(snap, sizeof *l1);
  l1[0] = (snap_line){snap_str(snap, "main"), snap_str(snap, "main.c"), 7, NULL};
  snap_location locs[3] = {{0x555555555136, 0, 2, l0}, {0x555555555200, 0, 1, l1},
                           {0x7f00000023ab, 1, 0, NULL}};
  for (int i = 0; i < 3; i++) snap_add_location(snap, &locs[i]);
  uint32_t s0[3] = {0, 1, 2}, s1[2] = {1, 2};
  snap_add_stack(snap, s0, 3);
  snap_add_stack(snap, s1, 2);
  snap_site a = {.stack = 0, .alloc_objects = 10, .alloc_bytes = 40960, .inuse_objects = 4, .inuse_bytes = 16384};
  snap_site b = {.stack = 1, .alloc_objects = 3, .alloc_bytes = 3000000};
  snap_add_site(snap, &a);
  snap_add_site(snap, &b);
  snap->symbolized = 1;
  return snap;
}

static void check_same(const snapshot *a, const snapshot *b) {
  CHECK(streq(b->source_format, "pprof"));
  CHECK(streq(b->mode, "sample"));
  CHECK(b->sample_interval == a->sample_interval);
  CHECK(b->time_ns == a->time_ns && b->duration_ns == a->duration_ns);
  CHECK(b->symbolized);
  CHECK(b->nmodules == a->nmodules);
  for (uint32_t i = 0; i < a->nmodules && i < b->nmodules; i++) {
    CHECK(streq(a->modules[i].path, b->modules[i].path));
    CHECK(streq(a->modules[i].build_id, b->modules[i].build_id));
    CHECK(a->modules[i].start == b->modules[i].start);
    CHECK(a->modules[i].limit == b->modules[i].limit);
    CHECK(a->modules[i].offset == b->modules[i].offset);
  }
  CHECK(b->nlocations == a->nlocations);
  for (uint32_t i = 0; i < a->nlocations && i < b->nlocations; i++) {
    const snap_location *x = &a->locations[i], *y = &b->locations[i];
    CHECK(x->address == y->address);
    CHECK(x->module == y->module);
    CHECK(x->nlines == y->nlines);
    for (uint32_t k = 0; k < x->nlines && k < y->nlines; k++) {
      CHECK(streq(x->lines[k].function, y->lines[k].function));
      CHECK(streq(x->lines[k].file, y->lines[k].file));
      CHECK(x->lines[k].line == y->lines[k].line);
    }
  }
  CHECK(b->nstacks == a->nstacks && b->nsites == a->nsites);
  for (uint32_t i = 0; i < a->nsites && i < b->nsites; i++) {
    const snap_site *x = &a->sites[i], *y = &b->sites[i];
    CHECK(x->alloc_objects == y->alloc_objects && x->alloc_bytes == y->alloc_bytes);
    CHECK(x->inuse_objects == y->inuse_objects && x->inuse_bytes == y->inuse_bytes);
    const snap_stack *sx = &a->stacks[x->stack], *sy = &b->stacks[y->stack];
    CHECK(sx->nlocs == sy->nlocs);
    for (uint32_t k = 0; k < sx->nlocs && k < sy->nlocs; k++) CHECK(sx->locs[k] == sy->locs[k]);
  }
  CHECK(b->inuse_bytes == 16384 && b->total_bytes_allocated == 3040960);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  unsigned char *buf = malloc(1 << 20);
  *len = fread(buf, 1, 1 << 20, f);
  fclose(f);
  return buf;
}

static void spill(const char *path, const unsigned char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}

/* The reader must refuse data with a message naming the file. */
static void check_rejected(const char *path, const unsigned char *data, size_t len,
                           const char *what) {
  char err[512] = "";
  spill(path, data, len);
  snapshot *s = pprof_read(path, err, sizeof err);
  if (s != NULL) {
    fprintf(stderr, "accepted %s\n", what);
    failures++;
    snap_free(s);
    return;
  }
  CHECK(strstr(err, path) != NULL && strchr(err, '\n') == NULL);
}

int main(void) {
  char dir[] = "/tmp/pprof_unit.XXXXXX";
  if (mkdtemp(dir) == NULL) return 1;
  char path[512], bad[512], tmp[512];
  snprintf(path, sizeof path, "%s/p.pb.gz", dir);
  snprintf(bad, sizeof bad, "%s/bad.pb", dir);
  snprintf(tmp, sizeof tmp, "%s/p.pb.gz.tmp", dir);
  char err[512] = "";

  snapshot *snap = make_snapshot();
  CHECK(pprof_write(snap, path, err, sizeof err) == 0);
  CHECK(access(tmp, F_OK) != 0);
  snapshot *back = pprof_read(path, err, sizeof err);
  CHECK(back != NULL);
  if (back) check_same(snap, back);

  /* written again from what was read: identical bytes */
  char path2[512];
  snprintf(path2, sizeof path2, "%s/p2.pb.gz", dir);
  if (back) CHECK(pprof_write(back, path2, err, sizeof err) == 0);
  size_t n1 = 0, n2 = 0;
  unsigned char *d1 = slurp(path, &n1), *d2 = slurp(path2, &n2);
  CHECK(d1 && d2 && n1 == n2 && memcmp(d1, d2, n1) == 0);

  /* gzip header and uncompressed copy */
  CHECK(n1 > 20 && d1[0] == 0x1f && d1[1] == 0x8b);
  unsigned char *plain = malloc(1 << 20);
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  inflateInit2(&zs, 31);
  zs.next_in = d1;
  zs.avail_in = (uInt)n1;
  zs.next_out = plain;
  zs.avail_out = 1 << 20;
  CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
  size_t plainlen = zs.total_out;
  inflateEnd(&zs);
  spill(bad, plain, plainlen);
  snapshot *raw = pprof_read(bad, err, sizeof err);
  CHECK(raw != NULL);
  if (raw) check_same(snap, raw);
  snap_free(raw);

  /* truncated gzip at many offsets; every one rejected */
  for (size_t cut = 1; cut < n1; cut += n1 / 23 + 1) check_rejected(bad, d1, cut, "truncated gzip");
  /* a flipped byte inside the compressed data or the CRC */
  for (size_t at = 12; at < n1; at += n1 / 17 + 1) {
    unsigned char *copy = malloc(n1);
    memcpy(copy, d1, n1);
    copy[at] ^= 0x5a;
    check_rejected(bad, copy, n1, "corrupt gzip");
    free(copy);
  }
  /* uncompressed: cut inside the first field, and a bogus wire type */
  check_rejected(bad, plain, 3, "truncated protobuf");
  unsigned char junk[] = {0x0f, 0x01, 0x02};
  check_rejected(bad, junk, sizeof junk, "bad wire type");
  check_rejected(bad, (const unsigned char *)"hello world\n", 12, "text");
  /* a profile with only CPU sample types */
  {
    unsigned char cpu[] = {
        0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,   /* sample_type {type: 1, unit: 2} */
        0x32, 0x00,                           /* "" */
        0x32, 0x07, 's', 'a', 'm', 'p', 'l', 'e', 's',
        0x32, 0x05, 'c', 'o', 'u', 'n', 't'};
    char e2[512] = "";
    spill(bad, cpu, sizeof cpu);
    snapshot *s = pprof_read(bad, e2, sizeof e2);
    CHECK(s == NULL && strstr(e2, "no heap sample types") != NULL);
    snap_free(s);
  }

  free(plain);
  free(d1);
  free(d2);
  snap_free(back);
  snap_free(snap);
  unlink(path);
  unlink(path2);
  unlink(bad);
  rmdir(dir);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures != 0;
}
