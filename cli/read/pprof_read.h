/*
 * read/pprof_read.h: a pprof profile, gzip'd or plain (profile.proto),
 * read into a snapshot (read/pprof_read.c).
 */
#ifndef LEAKSCOPE_READ_PPROF_READ_H
#define LEAKSCOPE_READ_PPROF_READ_H

#include <stddef.h>

#include "model/snapshot.h"

/* A new snapshot, or NULL with a one-line reason in err. */
snapshot *pprof_read(const char *path, char *err, size_t errlen);

#endif
