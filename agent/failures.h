/*
 * failures.h: counts of what the agent lost because it ran out of room
 * (a table that could not grow, a mark stack that was full), so that no
 * failure degrades a result silently.  Every snapshot carries the non-zero
 * counts ("failure NAME COUNT" lines, docs/FORMAT.md) and the command warns
 * about them.  Counting is one relaxed atomic add, safe anywhere.
 */
#ifndef LEAKSCOPE_AGENT_FAILURES_H
#define LEAKSCOPE_AGENT_FAILURES_H

#include <stdint.h>

#include "base.h"

typedef enum {
  FAILURE_LIVE_BLOCK,     /* a live block was not tracked: its shard could not grow */
  FAILURE_STACK,          /* a stack was not interned: the stack table is full */
  FAILURE_SAMPLE,         /* a sampled block was not kept: the sampled set could not grow */
  FAILURE_LIFETIME,       /* a freed sample's lifetime was dropped */
  FAILURE_SCAN_MARK,      /* the scan's mark stack was full: a block may be misclassified */
  FAILURE_SCAN_BLOCKS,    /* more live blocks than the scan had room for */
  FAILURE_HEAP_WALK,      /* a heap whose chunks could not be walked (sample mode's live retention) */
  FAILURE_COUNT
} failure_kind;

AG_HIDDEN void failures_note(failure_kind kind);
AG_HIDDEN uint64_t failures_count(failure_kind kind);
/* "live_block", "stack", ... as written in snapshots. */
AG_HIDDEN const char *failures_name(failure_kind kind);

#endif
