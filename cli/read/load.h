/*
 * read/load.h: the one place that tells an input's format by its content
 * (read/load.c), for every command: the gate streams Valgrind XML itself
 * (read/vgxml.h, any size in bounded memory) and reads the rest through
 * load_as; everything else loads any file with load_snapshot.
 */
#ifndef LEAKSCOPE_READ_LOAD_H
#define LEAKSCOPE_READ_LOAD_H

#include <stddef.h>

#include "model/snapshot.h"

typedef enum {
  LOAD_RAW,    /* the agent's raw snapshot: "leakscope-raw" at the start */
  LOAD_REPORT, /* a leakscope JSON report: '{' after any blanks */
  LOAD_VGXML,  /* Valgrind XML: '<' (or a UTF-8 byte order mark) after any blanks */
  LOAD_PPROF   /* anything else: a pprof profile, gzip'd or plain */
} load_format;

/* The format of the file at path; 0, or -1 with a reason in err when it
 * cannot be opened or holds nothing but blanks. */
int load_detect(const char *path, load_format *format, char *err, size_t errlen);

/* Read the file at path in the given format; NULL with a one-line reason
 * in err (for a file no reader takes, what its start looked like). */
snapshot *load_as(const char *path, load_format format, char *err, size_t errlen);

/* load_detect, then load_as. */
snapshot *load_snapshot(const char *path, char *err, size_t errlen);

#endif
