/*
 * threads.h: the threads of the process as the agent sees them: the
 * registry of per-thread states (tstate.h) whose counters make the
 * process's totals.  (Stopping them for the exit scan is world.h's.)
 */
#ifndef LEAKSCOPE_AGENT_THREADS_H
#define LEAKSCOPE_AGENT_THREADS_H

#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "tstate.h"

AG_HIDDEN int threads_init(void);
/* The slow path of threads_self(): the first call on a thread. */
AG_HIDDEN void threads_register(ag_tstate *st);

/* This thread's state, registered on first use. */
static inline ag_tstate *threads_self(void) {
  ag_tstate *st = &ag_thread;
  if (AG_UNLIKELY(!st->registered)) threads_register(st);
  return st;
}

typedef struct {
  uint64_t allocs, frees, bytes_allocated, bytes_freed;
} threads_counts;
/* The process's totals: every registered thread's counters plus those of
 * threads that ended. */
AG_HIDDEN threads_counts threads_totals(void);
/* The totals count from now on (a second `leakscope attach`: what the
 * first one counted is not this one's). */
AG_HIDDEN void threads_restart_totals(void);
/* Full mode's live heap and its peak.  Each thread adds what it
 * allocates and frees to its own pending sum, and to the process's live
 * total only when that sum passes THREADS_LIVE_BATCH either way (or the
 * thread ends); the peak is taken then, from the total before the
 * addition plus the highest the pending sum reached.  Exact with one
 * thread; with several, within THREADS_LIVE_BATCH per other thread. */
#define THREADS_LIVE_BATCH (64 * 1024)
AG_HIDDEN void threads_flush_live(ag_tstate *st);
static inline void threads_note_live(ag_tstate *st, int64_t delta) {
  int64_t pending = st->live_pending + delta;
  st->live_pending = pending;
  if (pending > st->live_pending_max) st->live_pending_max = pending;
  if (AG_UNLIKELY(pending >= THREADS_LIVE_BATCH || pending <= -THREADS_LIVE_BATCH)) threads_flush_live(st);
}
/* Full mode: an allocation (alloc set) or a free of bytes made by a
 * signal handler that interrupted its thread inside the agent, which may
 * be in the middle of updating the thread's own counters: counted in
 * shared atomic ones (and straight into the live total) instead. */
AG_HIDDEN void threads_count_in_handler(int alloc, uint64_t bytes);
/* The highest live heap seen so far (full mode). */
AG_HIDDEN uint64_t threads_peak_bytes(void);

/* Every thread's lifetimes summed (lifetimes.h), NULL if none. */
AG_HIDDEN struct lifetimes_table *threads_lifetimes(void);

/* In the child after fork: only the calling thread is left. */
AG_HIDDEN void threads_after_fork_child(void);

#define THREADS_CLEAR_MARGIN 4096 /* below the stack pointer: room for memset's and mincore's frames */

/* Zeroes the dead part of the main thread's stack (resident pages below
 * the stack pointer, down from a margin under it), so that pointers left
 * there by calls that have returned are not found by the leak scan
 * (memcheck ignores that memory as undefined); nothing on any other stack.
 * Returns the bottom of the main thread's stack, for threads_clear_margin,
 * or 0 when the caller is not on it. */
AG_HIDDEN uintptr_t threads_clear_dead_stack(void);

/* Then the margin (where threads_clear_dead_stack's own frames were) and
 * whatever lies between it and the caller's stack pointer, not below
 * bottom: inline and without a call, so no frame of its own sits in that
 * memory. */
static inline __attribute__((always_inline)) void threads_clear_margin(uintptr_t bottom) {
  if (bottom == 0) return;
  uintptr_t sp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
  uintptr_t end = sp - 3 * THREADS_CLEAR_MARGIN; /* past the page the dead stack's clearing stopped at */
  if (end < bottom) end = bottom;
  for (volatile uintptr_t *w = (volatile uintptr_t *)(sp & ~(uintptr_t)7) - 1; (uintptr_t)w >= end; w--) *w = 0;
}

#endif
