/*
 * growth.c: automatic capture when the live heap grows (holmes' "diff"
 * rule, for native heaps).  The control thread calls growth_tick about once
 * a second; each tick records the live heap (exact in full mode, the
 * sampled estimate in sample mode).  Once a whole window of ticks is
 * recorded, a tick whose live heap is more than growth_percent above the
 * window's mean, and at least a noise floor above it, writes a snapshot
 * (reason "growth", which `leakscope run` keeps as a profile and reports)
 * and starts a cooldown of one window.  The floor is
 * 1 MiB, and in sample mode at least 16 sampling intervals, so that the
 * estimate's own noise on a small heap does not trigger it.
 */
#include "agent.h"

#define GROWTH_MAX_WINDOW 3600 /* ticks */
#define GROWTH_FLOOR ((uint64_t)1 << 20)

static uint64_t growth_ring[GROWTH_MAX_WINDOW];
static uint32_t growth_count, growth_next;
static uint64_t growth_quiet_until_ns;

static uint32_t growth_window_ticks(void) {
  double w = ag_opt.growth_window_seconds;
  return w < 1 ? 1 : w > GROWTH_MAX_WINDOW ? GROWTH_MAX_WINDOW : (uint32_t)w;
}

/* Was live far enough above the recorded window's mean? */
static int growth_passed(uint64_t live) {
  uint32_t window = growth_window_ticks();
  if (growth_count < window) return 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < window; i++) sum += growth_ring[i];
  uint64_t mean = sum / window;
  uint64_t floor = GROWTH_FLOOR;
  if (ag_opt.sample_mode && 16 * ag_opt.sample_interval > floor) floor = 16 * ag_opt.sample_interval;
  return live > mean + floor && (double)live > (double)mean * (1.0 + ag_opt.growth_percent / 100.0);
}

void growth_tick(uint64_t now_ns, uint64_t live) {
  if (now_ns >= growth_quiet_until_ns && growth_passed(live)) {
    growth_quiet_until_ns = now_ns + (uint64_t)growth_window_ticks() * 1000000000u;
    agent_snapshot("growth"); /* silently: the program's stderr stays its own */
  }
  uint32_t window = growth_window_ticks();
  growth_ring[growth_next] = live;
  growth_next = (growth_next + 1) % window;
  if (growth_count < window) growth_count++;
}
