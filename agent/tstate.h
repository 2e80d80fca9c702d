/*
 * tstate.h: the calling thread's agent state, in initial-exec TLS (one
 * fs-relative access on the hot path), and the recursion guard.
 *
 * The guard says what the agent is doing on this thread, so that an
 * allocation made meanwhile (by the agent itself, libunwind, ld.so inside
 * the agent's dlopen, stdio) is handled as a nested one:
 *   GUARD_NONE    the program's own call: record it;
 *   GUARD_AGENT   the agent is working: a nested block is kept as an
 *                 internal one (full mode), never reported, unless a
 *                 signal handler that interrupted the agent made the call
 *                 (record.c: then it is the program's);
 *   GUARD_TABLES  the agent may hold live-table locks: a nested call
 *                 passes through untouched.
 * guard_enter() only ever raises the level and returns the one to restore.
 * Registration (for the totals) is threads.c's business: threads_self().
 */
#ifndef LEAKSCOPE_AGENT_TSTATE_H
#define LEAKSCOPE_AGENT_TSTATE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"

enum { GUARD_NONE = 0, GUARD_AGENT = 1, GUARD_TABLES = 2 };

/* The fast paths (record.h) read two fields: until_sample, which an
 * allocation smaller than it decrements, and free_mask, which a free whose
 * pointer has a bit under it skips the agent with.  Both are 0, so that
 * every call takes the slow path, outside sample mode, on a thread not yet
 * registered, and while the guard is up (the agent's own calls are then
 * neither sampled nor counted); guard_enter parks their values in held_*. */
typedef struct ag_tstate {
  uint64_t until_sample;    /* sample mode: bytes left before the next sample; else 0 */
  uintptr_t free_mask;      /* sample mode: AG_SAMPLE_ALIGN - 1; else 0 */
  int guard;                /* GUARD_* */
  int registered;           /* listed for the totals */
  int retired;              /* the thread is ending: its counts were folded into the totals */
  uint64_t allocs, frees, bytes_allocated, bytes_freed;
  uint64_t sample_gap;      /* sample mode: the gap until_sample started from */
  uint64_t held_until_sample;
  uintptr_t held_free_mask;
  int64_t until_budget;     /* bytes left before the next budget check */
  uint64_t rng;             /* the sampler's random state */
  struct ag_tstate *next;   /* the registry's list (threads.c) */
  pid_t tid;
  int pending_signal;       /* a fatal signal held back while inside the agent (signals.c) */
  int altstack_ours;        /* handlers run on the agent's alternate stack: the program set none (signals.c) */
  uintptr_t entry_ret;      /* inside operator new[] (hooks.c): its caller's return address, 0: none */
  uintptr_t entry_pc;       /* and the address standing for that entry point in the stack */
  uintptr_t last_block;     /* full mode: this thread's last allocation, until it is freed (temporaries),
                               inverted: TLS is a root of the leak scan, and this must not hold it */
  struct lifetimes_table *lifetimes; /* full mode: this thread's freed blocks' lifetimes (lifetimes.c) */
  int64_t live_pending;     /* full mode: bytes allocated less freed not yet added to the live total */
  int64_t live_pending_max; /* the most live_pending reached since it was last added (threads.h) */
  /* full mode: the block operation under way (record.c), which a child
   * forked meanwhile, where this thread does not exist, completes or
   * drops by the headers it finds (threads_after_fork_child): whether one
   * is (set after the rest, cleared last, so one store decides), the block
   * being freed and the one being made (program pointers inverted, as
   * last_block; 0: none), their sizes, and the counters as they were
   * before the operation */
  int op_under_way;
  uintptr_t op_old, op_new;
  size_t op_old_size, op_new_size;
  uint64_t op_allocs, op_frees, op_bytes_allocated, op_bytes_freed;
} ag_tstate;

/* Called by guard_leave, as the thread leaves the agent, when a signal is
 * pending (set by signals.c; NULL until then). */
AG_HIDDEN extern void (*tstate_pending_hook)(ag_tstate *st);

AG_HIDDEN extern __thread ag_tstate ag_thread __attribute__((tls_model("initial-exec")));

/* Raises this thread's guard to at least level; returns the level to
 * give guard_leave. */
static inline int guard_enter(ag_tstate *st, int level) {
  int was = st->guard;
  if (level <= was) return was;
  if (was == GUARD_NONE) {
    st->held_until_sample = st->until_sample;
    st->held_free_mask = st->free_mask;
    st->until_sample = 0;
    st->free_mask = 0;
  }
  st->guard = level;
  return was;
}

static inline void guard_leave(ag_tstate *st, int was) {
  if (was == GUARD_NONE && st->guard != GUARD_NONE) {
    st->until_sample = st->held_until_sample;
    st->free_mask = st->held_free_mask;
    st->guard = was;
    if (AG_UNLIKELY(st->pending_signal != 0) && tstate_pending_hook != NULL) tstate_pending_hook(st);
    return;
  }
  st->guard = was;
}

/* Full mode's short stretch of agent work inside the program's own call,
 * from GUARD_NONE (the fast paths' fields are 0 there: nothing to park):
 * the guard up at GUARD_AGENT and down again, fenced so that a signal
 * handler sees it up around all of the work. */
static inline void guard_enter_full(ag_tstate *st) {
  st->guard = GUARD_AGENT;
  atomic_signal_fence(memory_order_seq_cst);
}

static inline void guard_leave_full(ag_tstate *st) {
  atomic_signal_fence(memory_order_seq_cst);
  st->guard = GUARD_NONE;
  if (AG_UNLIKELY(st->pending_signal != 0) && tstate_pending_hook != NULL) tstate_pending_hook(st);
}

/* The countdown as it is outside the guard. */
static inline uint64_t tstate_countdown(const ag_tstate *st) {
  return st->guard == GUARD_NONE ? st->until_sample : st->held_until_sample;
}

/* The fast paths' fields as they are outside the guard, to set them. */
static inline uint64_t *tstate_until_sample(ag_tstate *st) {
  return st->guard == GUARD_NONE ? &st->until_sample : &st->held_until_sample;
}
static inline uintptr_t *tstate_free_mask(ag_tstate *st) {
  return st->guard == GUARD_NONE ? &st->free_mask : &st->held_free_mask;
}

/* The same for the calling thread, registered or not. */
static inline int guard_enter_self(int level) { return guard_enter(&ag_thread, level); }
static inline void guard_leave_self(int was) { guard_leave(&ag_thread, was); }

#endif
