/*
 * read/snap_raw.h: the agent's raw snapshot (docs/FORMAT.md) read into a
 * snapshot (read/snap_raw.c).
 */
#ifndef LEAKSCOPE_READ_SNAP_RAW_H
#define LEAKSCOPE_READ_SNAP_RAW_H

#include <stddef.h>

#include "model/snapshot.h"

/* A new snapshot, or NULL with a one-line reason in err. */
snapshot *snap_raw_read(const char *path, char *err, size_t errlen);

#endif
