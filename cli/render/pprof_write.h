/*
 * render/pprof_write.h: a snapshot as a gzip'd pprof profile.proto
 * (render/pprof_write.c).
 */
#ifndef LEAKSCOPE_RENDER_PPROF_WRITE_H
#define LEAKSCOPE_RENDER_PPROF_WRITE_H

#include <stddef.h>

#include "model/snapshot.h"

/* Write path (through PATH.tmp); 0, or -1 with a reason in err. */
int pprof_write(const snapshot *snap, const char *path, char *err, size_t errlen);
/* The same with default_sample_type set to default_type ("alloc_space"
 * for Go's allocs profile; NULL leaves it unset: inuse_space). */
int pprof_write_as(const snapshot *snap, const char *path, const char *default_type, char *err, size_t errlen);

#endif
