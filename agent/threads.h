/*
 * threads.h: the threads of the process as the agent sees them: the
 * registry of per-thread states (tstate.h) whose counters make the
 * process's totals, and stopping the world for the exit scan.
 */
#ifndef LEAKSCOPE_AGENT_THREADS_H
#define LEAKSCOPE_AGENT_THREADS_H

#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "glibc.h"
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
/* In the child after fork: only the calling thread is left. */
AG_HIDDEN void threads_after_fork_child(void);

typedef struct {
  pid_t tid;             /* <= 0: gone */
  int stopped;           /* registers and sp below are valid */
  uintptr_t sp;
  uintptr_t regs[GLIBC_SCAN_REGS];
  int nregs;
  uintptr_t dtv_block;   /* the thread's DTV block (see scan.c) */
  uintptr_t tp;          /* its thread pointer: static TLS lies just below it */
} threads_stopped;

/* Zeroes the dead part of the main thread's stack (resident pages below
 * the stack pointer), so that pointers left there by calls that have
 * returned are not found by the leak scan (memcheck ignores that memory
 * as undefined); nothing on any other stack. */
AG_HIDDEN void threads_clear_dead_stack(void);

/* Installs the handler of the stop signal (the stop_signal option). */
AG_HIDDEN int threads_install_handlers(void);
/* Stop every other thread of the process; returns how many entries were
 * filled in out (at most max).  Threads stay parked until the process ends. */
AG_HIDDEN int threads_stop_world(threads_stopped *out, int max);
AG_HIDDEN extern _Atomic int threads_stop_requested;
AG_HIDDEN void threads_park_slow(void);
/* Called at hook exits: parks this thread if the world is being stopped. */
static inline void threads_park_if_requested(void) {
  if (AG_UNLIKELY(atomic_load_explicit(&threads_stop_requested, memory_order_relaxed))) threads_park_slow();
}

#endif
