/*
 * world.h: stopping the world (world.c): every other thread of the
 * process stops with its registers and stack pointer known, and stays
 * stopped until the process ends (the exit scan) or world_resume (the
 * live retention snapshot, livescan.c).
 */
#ifndef LEAKSCOPE_AGENT_WORLD_H
#define LEAKSCOPE_AGENT_WORLD_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "glibc.h"

typedef struct {
  pid_t tid;             /* <= 0: gone */
  int stopped;           /* registers and sp below are valid */
  uintptr_t sp;
  uintptr_t regs[GLIBC_SCAN_REGS];
  int nregs;
  uintptr_t dtv_block;   /* the thread's DTV block (see scan.c) */
  uintptr_t tp;          /* its thread pointer: static TLS lies just below it */
} world_thread;

/* Installs the handler of the stop signal (the stop_signal option). */
AG_HIDDEN int world_install_handlers(void);
/* How world_stop stops the threads. */
typedef enum {
  WORLD_SIGNAL_FIRST, /* the stop signal, ptrace for threads that block it or do not answer */
  WORLD_PTRACE_FIRST, /* ptrace from the start (the signal only for the threads ptrace cannot
                       * stop), so that no system call of the program's is cut short with
                       * EINTR by the stop signal's handler (a sleep ends early, for one) */
  WORLD_PTRACE_ONLY,  /* ptrace alone: the stop signal has no handler (an attached agent);
                       * a thread ptrace cannot stop runs on, scanned without its registers */
} world_how;
/* Stop every other thread of the process; returns how many entries were
 * filled in out (at most max). */
AG_HIDDEN int world_stop(world_thread *out, int max, world_how how);
/* After the exit snapshot: the helper that holds threads with ptrace goes
 * (the threads stay where they are until the process ends). */
AG_HIDDEN void world_release(void);
/* After world_stop: every thread runs on, as it was; the next world_stop
 * starts afresh. */
AG_HIDDEN void world_resume(void);

AG_HIDDEN extern _Atomic int world_stop_requested;
AG_HIDDEN void world_park_slow(void);
/* Called at hook exits: parks this thread if the world is being stopped. */
static inline void world_park_if_requested(void) {
  if (AG_UNLIKELY(atomic_load_explicit(&world_stop_requested, memory_order_relaxed))) world_park_slow();
}

#endif
