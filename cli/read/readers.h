/*
 * read/readers.h: the readers behind load_snapshot(), one per input format.
 * Each returns a new snapshot, or NULL with a one-line reason in err.
 */
#ifndef LEAKSCOPE_SNAP_READERS_H
#define LEAKSCOPE_SNAP_READERS_H

#include <stddef.h>

#include "model/snapshot.h"

/* The agent's raw snapshot (docs/FORMAT.md); read/snap_raw.c. */
snapshot *snap_read_raw(const char *path, char *err, size_t errlen);
/* A pprof profile, gzip'd or plain (profile.proto); read/pprof_read.c. */
snapshot *snap_read_pprof(const char *path, char *err, size_t errlen);
/* A leakscope JSON report (leakscope-report/1); read/report_read.c. */
snapshot *snap_read_report(const char *path, char *err, size_t errlen);

#endif
