/*
 * chunks.h: sample mode's blocks for the live retention snapshot
 * (chunks.c).  Sample mode keeps no record of the blocks it did not
 * sample, so the scan finds their boundaries itself by walking glibc's
 * chunks: the main arena's [heap], every non-main arena's heaps and the
 * mmapped chunks, read in place.  It runs in livescan's copy-on-write
 * child, where nothing else runs, so the heap holds still.
 */
#ifndef LEAKSCOPE_AGENT_CHUNKS_H
#define LEAKSCOPE_AGENT_CHUNKS_H

#include "base.h"
#include "blocks.h"

/* The stack id of a block that was not sampled (its allocation site is
 * not known): "rnode" lines carry it (docs/FORMAT.md). */
#define CHUNKS_STACK_UNSAMPLED (BLOCKS_STACK_INTERNAL - 1)
_Static_assert(STACKTAB_MAX_IDS < CHUNKS_STACK_UNSAMPLED, "stack ids fit below the unsampled marker");

/* Every block in use, in address order: a sampled block with its stack
 * and size, an internal block of the agent's (its header says so), any
 * other chunk with CHUNKS_STACK_UNSAMPLED and its usable size.  A heap
 * whose chain of chunks does not hold together is skipped (and counted
 * as failure heap_walk).  0, or -1 when out of memory. */
AG_HIDDEN int chunks_foreach(blocks_visit_fn fn, void *arg);
/* At start-up: the main arena's heap, which holds a block just asked of
 * glibc, walks as glibc.h says (the chain from the start of its mapping
 * ends at its end and passes through that block, in use).  0, or -1 with
 * why. */
AG_HIDDEN int chunks_check(const char **why);

#endif
