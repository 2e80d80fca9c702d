/*
 * stats.h: the heap's statistics now, as the C API (include/leakscope.h)
 * and the supervisor's statistics file give them: exact counts from the
 * threads' counters; live bytes and objects exact in full mode, the
 * sampled estimate in sample mode.  Never allocates.
 */
#ifndef LEAKSCOPE_AGENT_STATS_H
#define LEAKSCOPE_AGENT_STATS_H

#include <stdint.h>

#include "base.h"
#include "leakscope.h"

AG_HIDDEN void stats_read(struct leakscope_stats *out);
/* The live heap alone: exact in full mode, the sampled estimate in sample mode. */
AG_HIDDEN uint64_t stats_live_bytes(void);

#endif
