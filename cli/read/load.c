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
#include "read/vgxml_snapshot.h"

#define LOAD_RAW_MAGIC "leakscope-raw"

static int load_blank(int c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Whether the file starts with gzip's magic (a compressed pprof profile). */
static int load_gzip(const char *path) {
  unsigned char magic[2];
  FILE *f = fopen(path, "rb");
  int gz = f != NULL && fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (f != NULL) fclose(f);
  return gz;
}

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

/* What the start of a file that no reader took looks like, for the
 * message: "text: \"hello wor...\"" or "bytes 00 01 02 ...". */
static void load_describe(const char *path, char *buf, size_t len) {
  unsigned char head[24];
  FILE *f = fopen(path, "rb");
  size_t n = f != NULL ? fread(head, 1, sizeof head, f) : 0, text = 0, at;
  if (f != NULL) fclose(f);
  while (text < n && ((head[text] >= 0x20 && head[text] < 0x7f) || load_blank(head[text]))) text++;
  if (n > 0 && text == n) {
    at = (size_t)snprintf(buf, len, "text starting \"");
    for (size_t i = 0; i < n && i < 16 && at + 5 < len; i++)
      at += (size_t)snprintf(buf + at, len - at, "%c", load_blank(head[i]) ? ' ' : head[i]);
    snprintf(buf + at, len - at, "%s\"", n > 16 ? "..." : "");
    return;
  }
  at = (size_t)snprintf(buf, len, "binary data starting");
  for (size_t i = 0; i < n && i < 8 && at + 4 < len; i++)
    at += (size_t)snprintf(buf + at, len - at, " %02x", head[i]);
}

snapshot *load_as(const char *path, load_format format, char *err, size_t errlen) {
  switch (format) {
  case LOAD_RAW: return snap_raw_read(path, err, errlen);
  case LOAD_REPORT: return report_read(path, err, errlen);
  case LOAD_VGXML: return vgxml_snapshot_read(path, err, errlen);
  case LOAD_PPROF: break;
  }
  snapshot *snap = pprof_read(path, err, errlen);
  if (snap == NULL && !load_gzip(path)) {
    /* not gzip'd: the file may be anything, so say what it looked like */
    char look[96];
    load_describe(path, look, sizeof look);
    snprintf(err, errlen,
             "%s: not a file leakscope reads (a raw snapshot, a JSON report, Valgrind XML or a pprof "
             "profile): %s", path, look);
  }
  return snap;
}

snapshot *load_snapshot(const char *path, char *err, size_t errlen) {
  load_format format;
  if (load_detect(path, &format, err, errlen) != 0) return NULL;
  return load_as(path, format, err, errlen);
}
