/*
 * state.h: the agent's life as the other files see it: whether it tracks
 * this process, the process it belongs to, when it started and how the
 * process ended.  agent.c drives the state; everything else reads it.
 * (The fast paths' per-thread fields are in tstate.h.)
 *
 *   AG_UNINIT -> AG_INITIALIZING -> AG_ACTIVE -> AG_DONE (after the exit
 *   snapshot), or -> AG_OFF (not traced: an exec'd program, or set-up failed)
 */
#ifndef LEAKSCOPE_AGENT_STATE_H
#define LEAKSCOPE_AGENT_STATE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"

enum { AG_UNINIT = 0, AG_INITIALIZING = 1, AG_ACTIVE = 2, AG_OFF = 3, AG_DONE = 4 };

/* Sample mode places sampled blocks at this alignment, so a free of any
 * other pointer skips the sampled set. */
#define AG_SAMPLE_ALIGN 4096

typedef struct {
  _Atomic int phase;        /* AG_* above */
  int tables_ready;         /* set-up is past the tables: nested calls may be recorded */
  pid_t pid;                /* the process the state belongs to (changes at fork) */
  uint64_t start_ns;        /* when tracking started (CLOCK_MONOTONIC) */
  int exit_status;          /* set on the way out; -1 before (and when a signal ends it) */
  int exit_signal;          /* the fatal signal that ends the process; 0 if none */
} ag_state_t;

AG_HIDDEN extern ag_state_t ag_state;

static inline int state_phase(void) { return atomic_load_explicit(&ag_state.phase, memory_order_relaxed); }
static inline int state_active(void) { return AG_LIKELY(state_phase() == AG_ACTIVE); }

#endif
