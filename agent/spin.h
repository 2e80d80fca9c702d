/*
 * spin.h: the agent's one lock, a test-and-test-and-set spinlock.  Locks
 * are held for a few table operations at most; a waiter pauses, and yields
 * the processor after a while so that a holder that was preempted can run.
 * No lock is ever taken on the sampled fast path.  After fork the child
 * resets the locks other threads may have held (spin_reset).
 */
#ifndef LEAKSCOPE_AGENT_SPIN_H
#define LEAKSCOPE_AGENT_SPIN_H

#include <sched.h>
#include <stdatomic.h>

#define SPIN_BEFORE_YIELD 200

typedef struct {
  _Atomic int held;
} spin_lock;

static inline void spin_acquire(spin_lock *l) {
  int spins = 0;
  while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire)) {
    while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
      if (++spins > SPIN_BEFORE_YIELD) {
        sched_yield();
        spins = 0;
      } else {
        __builtin_ia32_pause();
      }
    }
  }
}

static inline void spin_release(spin_lock *l) { atomic_store_explicit(&l->held, 0, memory_order_release); }

/* After fork, in the child: the holder may have been another thread. */
static inline void spin_reset(spin_lock *l) { atomic_store_explicit(&l->held, 0, memory_order_relaxed); }

#endif
