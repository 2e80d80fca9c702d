/*
 * fuzz_vgxml.c: libFuzzer target for the streaming Valgrind XML reader
 * (cli/read/vgxml.c) and the gate's record store it feeds (cli/gate/data.c).
 * Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/data.h"
#include "read/vgxml.h"

static int on_leak(void *ctx, const vgxml_leak *l, char *err, size_t errlen) {
  gate_data *d = ctx;
  gate_frame frames[GATE_KEEP_FRAMES];
  uint32_t n = l->nframes < GATE_KEEP_FRAMES ? l->nframes : GATE_KEEP_FRAMES;
  for (uint32_t i = 0; i < n; i++)
    frames[i] = (gate_frame){.ip = l->frames[i].ip, .fn = (char *)l->frames[i].fn,
                             .file = (char *)l->frames[i].file, .obj = (char *)l->frames[i].obj,
                             .line = l->frames[i].line};
  /* every string the reader hands out must be readable and bounded */
  for (uint32_t i = 0; i < l->nframes; i++) {
    const char *s[4] = {l->frames[i].obj, l->frames[i].fn, l->frames[i].dir, l->frames[i].file};
    for (int j = 0; j < 4; j++)
      if (s[j] != NULL && strlen(s[j]) > VGXML_MAX_TEXT) __builtin_trap();
  }
  gate_record r = {.kind = l->kind, .bytes = l->bytes, .indirect_bytes = l->indirect_bytes,
                   .blocks = l->blocks, .nframes = n, .frames = frames};
  if (gate_data_add_record(d, &r) != 0) {
    snprintf(err, errlen, "oom");
    return -1;
  }
  return 0;
}

static int on_supp(void *ctx, const char *name, uint64_t count, char *err, size_t errlen) {
  return gate_data_add_suppressed(ctx, name, count) == 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  FILE *f = fmemopen((void *)data, size, "rb");
  if (f == NULL) return 0;
  gate_data *d = gate_data_new();
  if (gate_data_add_input(d, "fuzz.xml", "valgrind-xml") < 0) abort();
  vgxml_handler h = {.ctx = d, .leak = on_leak, .suppcount = on_supp};
  vgxml_info info;
  char err[512];
  vgxml_read(f, "fuzz.xml", &h, &info, err, sizeof err);
  fclose(f);
  for (int k = 0; k < SNAP_KIND_COUNT; k++) {
    uint32_t n;
    const gate_record *recs = gate_data_sorted(d, (snap_kind)k, &n);
    for (uint32_t i = 1; i < n; i++)
      if (recs[i - 1].bytes + (unsigned __int128)recs[i - 1].indirect_bytes <
          recs[i].bytes + (unsigned __int128)recs[i].indirect_bytes)
        __builtin_trap();
  }
  gate_data_free(d);
  return 0;
}
