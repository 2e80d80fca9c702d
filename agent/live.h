/*
 * live.h: the table of live blocks in full mode: address -> (size, stack
 * id).  Sharded, each shard under its own spinlock (live.c).  A block that
 * cannot be tracked (a shard that cannot grow) is counted as a failure.
 */
#ifndef LEAKSCOPE_AGENT_LIVE_H
#define LEAKSCOPE_AGENT_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "stacktab.h"

#define LIVE_STACK_BITS 24
/* The stack id of internal blocks (allocated while the agent works): roots, never reported. */
#define LIVE_STACK_INTERNAL ((1u << LIVE_STACK_BITS) - 1)
_Static_assert(STACKTAB_MAX_IDS < LIVE_STACK_INTERNAL, "stack ids fit below the internal marker");

/* Start loading ptr's slot into the cache (a hint; no lock). */
AG_HIDDEN void live_prefetch(uintptr_t ptr);
AG_HIDDEN void live_insert(uintptr_t ptr, size_t size, uint32_t stack);
/* Remove ptr; returns 1 and its size/stack (either may be NULL) if it was tracked. */
AG_HIDDEN int live_remove(uintptr_t ptr, size_t *size, uint32_t *stack);
/* The same, calling release(ptr) (glibc's free) under ptr's lock first,
 * while its slot comes into the cache: no other thread can insert the
 * address glibc hands out again before the old entry is gone. */
AG_HIDDEN int live_remove_release(uintptr_t ptr, void (*release)(void *), size_t *size, uint32_t *stack);
typedef void (*live_visit_fn)(uintptr_t ptr, size_t size, uint32_t stack, void *arg);
/* Visit every live block; locks each shard while it is visited unless
 * world_stopped (then reads without locks). */
AG_HIDDEN void live_foreach(live_visit_fn fn, void *arg, int world_stopped);
AG_HIDDEN uint64_t live_count(void);
AG_HIDDEN void live_lock_all(void);
AG_HIDDEN void live_unlock_all(void);
AG_HIDDEN void live_reset_locks(void);

#endif
