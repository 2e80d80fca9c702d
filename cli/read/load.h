/*
 * read/load.h: load any file leakscope reads into a snapshot, the format
 * told by its content (read/load.c).
 */
#ifndef LEAKSCOPE_READ_LOAD_H
#define LEAKSCOPE_READ_LOAD_H

#include <stddef.h>

#include "model/snapshot.h"

/* Load any file leakscope reads: a raw snapshot, a gzip'd or plain pprof
 * profile, or a JSON report.  On failure returns NULL and writes a one-line
 * reason into err. */
snapshot *load_snapshot(const char *path, char *err, size_t errlen);

#endif
