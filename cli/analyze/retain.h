/*
 * analyze/retain.h: retention analysis, who holds the still-reachable memory of a
 * full-mode exit snapshot (analyze/retain.c); the result goes to snap->retention.
 */
#ifndef LEAKSCOPE_RETAIN_H
#define LEAKSCOPE_RETAIN_H

#include <stddef.h>

#include "model/snapshot.h"

/* From snap->graph: named roots with their retained bytes, the blocks held
 * straight from them with their paths, and allocation sites by retained
 * bytes.  Names data roots from the modules' symbol tables (no need to have
 * symbolized the snapshot).  0, or -1 with the reason in err (no graph, out
 * of memory). */
int retain_compute(snapshot *snap, char *err, size_t errlen);

#endif
