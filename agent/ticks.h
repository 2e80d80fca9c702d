/*
 * ticks.h: the clock that times each block's life in full mode (ticks.c).
 * A tick is a fixed number of the CPU's time-stamp counter cycles (about
 * 50 ns), read with rdtsc when the kernel itself keeps time with the TSC
 * (then it is constant and the same on every CPU); otherwise a tick is 64
 * ns of CLOCK_MONOTONIC.  A block's header keeps BLOCKS_BORN_BITS bits of
 * ticks (blocks.h), so lifetimes are measured modulo 2^40 ticks (over
 * 15 hours).  0 is never a time: it marks a block that was not timed.
 */
#ifndef LEAKSCOPE_AGENT_TICKS_H
#define LEAKSCOPE_AGENT_TICKS_H

#include <stdint.h>
#include <x86intrin.h>

#include "base.h"
#include "sys.h"

#define TICKS_BITS 40
#define TICKS_MASK ((UINT64_C(1) << TICKS_BITS) - 1)
#define TICKS_NS_SHIFT 6 /* without the TSC: a tick is 64 ns */

typedef struct {
  int tsc;            /* ticks come from rdtsc */
  unsigned shift;     /* cycles (or ns) per tick = 1 << shift */
  double ns_per_tick;
} ticks_clock;

AG_HIDDEN extern ticks_clock ticks;

/* Chooses the source and measures the TSC's rate (a millisecond's busy
 * wait); before it, ticks_now() reads CLOCK_MONOTONIC. */
AG_HIDDEN void ticks_init(void);

static inline uint64_t ticks_now(void) {
  uint64_t t = ticks.tsc ? __rdtsc() >> ticks.shift : sys_now_ns() >> TICKS_NS_SHIFT;
  t &= TICKS_MASK;
  return t != 0 ? t : 1;
}

/* Ticks from born to now, modulo the header's field. */
static inline uint64_t ticks_since(uint64_t born, uint64_t now) { return (now - born) & TICKS_MASK; }

#endif
