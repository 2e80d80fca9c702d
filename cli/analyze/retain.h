/*
 * analyze/retain.h: retention analysis, who holds the still-reachable memory of a
 * full-mode exit snapshot or a live retention snapshot (analyze/retain.c); the
 * result goes to snap->retention.
 */
#ifndef LEAKSCOPE_RETAIN_H
#define LEAKSCOPE_RETAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

/* From snap->graph: named roots with their retained bytes, the blocks held
 * straight from them with their paths, and allocation sites by retained
 * bytes.  Names data roots from the modules' symbol tables (no need to have
 * symbolized the snapshot).  0, or -1 with the reason in err (no graph, out
 * of memory). */
int retain_compute(snapshot *snap, char *err, size_t errlen);
/* The same, and with want_chain the chain of pointers from a root to the
 * block holding address (snap->retention->has_chain when it is reachable). */
int retain_compute_for(snapshot *snap, int want_chain, uint64_t address, char *err, size_t errlen);

#endif
