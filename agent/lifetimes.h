/*
 * lifetimes.h: full mode's exact lifetimes of freed blocks, per
 * allocation stack (lifetimes.c): how many lived under 1 us, 10 us, ...,
 * 100 s and longer, the longest, the median and the 90th percentile (from
 * a histogram of 16 bins per octave, so within about 3%), and how many
 * were temporaries (freed before their thread's next allocation,
 * heaptrack's definition).  Each thread counts into a table of its own
 * (no lock, no shared cache line on the free path); a snapshot sums them.
 */
#ifndef LEAKSCOPE_AGENT_LIFETIMES_H
#define LEAKSCOPE_AGENT_LIFETIMES_H

#include <stdint.h>

#include "base.h"
#include "sys.h"
#include "tstate.h"

#define LIFETIMES_DECADES 10

typedef struct lifetimes_table lifetimes_table;

/* The bins' decade boundaries in ticks; after ticks_init(). */
AG_HIDDEN void lifetimes_init(void);

/* A block of stack, allocated ticks ago, is freed by thread st;
 * temporary: no allocation on st came between. */
AG_HIDDEN void lifetimes_note(ag_tstate *st, uint32_t stack, uint64_t ticks_lived, int temporary);

/* Thread st is gone (or, after fork, left behind): its counts join those
 * of the threads that ended.  Under the thread registry's lock. */
AG_HIDDEN void lifetimes_retire(ag_tstate *st);

/* The sum over the threads of the list (linked by next) and the retired
 * counts; under the thread registry's lock.  NULL when nothing was
 * counted or no memory is left. */
AG_HIDDEN lifetimes_table *lifetimes_collect(const ag_tstate *threads);

/* Writes the "lifetime" and "lifetime_stats" lines of a sum (docs/FORMAT.md)
 * and releases it. */
AG_HIDDEN void lifetimes_write(sys_writer *w, lifetimes_table *sum);

#endif
