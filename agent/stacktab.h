/*
 * stacktab.h: the stack table.  Every distinct call stack is stored once
 * and named by a small dense id (0 = unknown), which is what a live block
 * or a sample keeps; each entry also counts the allocations made at it.
 * Lookups take no lock; inserting a new stack takes one (stacktab.c).
 */
#ifndef LEAKSCOPE_AGENT_STACKTAB_H
#define LEAKSCOPE_AGENT_STACKTAB_H

#include <stdatomic.h>
#include <stdint.h>

#include "base.h"

typedef struct {
  uint64_t hash;
  uint32_t depth;
  uint32_t id;
  _Atomic uint64_t alloc_objects; /* full: count; sample: weight x 1000 */
  _Atomic uint64_t alloc_bytes;   /* full: bytes; sample: unbiased estimate */
  _Atomic uint64_t longest_life;  /* full: the longest lifetime of a freed block, in ticks (lifetimes.c) */
  uintptr_t pcs[];
} stacktab_entry;

/* Ids are always below this, and fit the live table's 24-bit stack field
 * below its internal marker. */
#define STACKTAB_MAX_IDS (1u << 22)

AG_HIDDEN int stacktab_init(void);
/* The id of this stack (0 = table full, or no frames). */
AG_HIDDEN uint32_t stacktab_intern(const uintptr_t *pcs, int depth);
/* The same for a signal handler that interrupted this thread inside the
 * agent: 0 also when the stack is new and this very thread holds the
 * insert lock (the handler interrupted its insert, which cannot go on
 * until the handler returns). */
AG_HIDDEN uint32_t stacktab_intern_in_handler(const uintptr_t *pcs, int depth);
AG_HIDDEN stacktab_entry *stacktab_get(uint32_t id);
AG_HIDDEN uint32_t stacktab_limit(void);   /* ids in use are below this */
/* Around fork: the insert lock (the child resets it). */
AG_HIDDEN void stacktab_lock_all(void);
AG_HIDDEN void stacktab_unlock_all(void);
AG_HIDDEN void stacktab_reset_lock(void);

#endif
