/*
 * read/load.c: load_snapshot(), which picks the reader for a file by its
 * first bytes (see read/load.h).
 */
#include "read/load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "read/readers.h"

snapshot *load_snapshot(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  unsigned char head[16] = {0};
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (n == 0) {
    snprintf(err, errlen, "%s: empty file", path);
    return NULL;
  }
  if (n >= 13 && memcmp(head, "leakscope-raw", 13) == 0) return snap_read_raw(path, err, errlen);
  size_t i = 0;
  while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\t' || head[i] == '\r')) i++;
  if (i < n && head[i] == '{') return snap_read_report(path, err, errlen);
  return snap_read_pprof(path, err, errlen);
}
