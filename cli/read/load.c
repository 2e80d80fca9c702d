/*
 * read/load.c: tell a file's format by its first bytes and read it with
 * the reader for it (see read/load.h).
 */
#include "read/load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "read/pprof_read.h"
#include "read/report_read.h"
#include "read/snap_raw.h"

#define LOAD_RAW_MAGIC "leakscope-raw"

static int load_blank(int c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int load_detect(const char *path, load_format *format, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  char head[sizeof LOAD_RAW_MAGIC - 1];
  size_t n = fread(head, 1, sizeof head, f), i = 0;
  while (i < n && load_blank((unsigned char)head[i])) i++;
  int c = i < n ? (unsigned char)head[i] : EOF;
  if (i == sizeof head) /* blanks so far: read on */
    do c = getc(f);
    while (load_blank(c));
  fclose(f);
  if (c == EOF) {
    snprintf(err, errlen, "%s: empty file", path);
    return -1;
  }
  if (n == sizeof head && memcmp(head, LOAD_RAW_MAGIC, sizeof head) == 0) *format = LOAD_RAW;
  else if (c == '{') *format = LOAD_REPORT;
  else if (c == '<' || c == 0xEF) *format = LOAD_VGXML; /* only XML may start with a byte order mark */
  else *format = LOAD_PPROF;
  return 0;
}

snapshot *load_as(const char *path, load_format format, char *err, size_t errlen) {
  switch (format) {
  case LOAD_RAW: return snap_raw_read(path, err, errlen);
  case LOAD_REPORT: return report_read(path, err, errlen);
  case LOAD_VGXML:
  case LOAD_PPROF: break;
  }
  return pprof_read(path, err, errlen);
}

snapshot *load_snapshot(const char *path, char *err, size_t errlen) {
  load_format format;
  if (load_detect(path, &format, err, errlen) != 0) return NULL;
  return load_as(path, format, err, errlen);
}
