/*
 * trigger.c: the budget and the growth watch (see trigger.h).
 *
 * Budget: passing it warns once until the heap is back under it; dump and
 * abort write a "budget" snapshot first, abort then aborts.
 *
 * Growth watch (holmes' "diff" rule, for native heaps): the control thread
 * calls trigger_growth_tick about once a second with the live heap (exact
 * in full mode, the sampled estimate in sample mode).  Once a whole window
 * of ticks is recorded, a tick whose live heap is more than growth percent
 * above the window's mean, and at least a noise floor above it, writes a
 * snapshot (reason "growth", which `leakscope run` keeps as a profile and
 * reports) and starts a cooldown of one window.  The floor is 1 MiB, and in
 * sample mode at least 16 sampling intervals, so that the estimate's own
 * noise on a small heap does not trigger it.
 */
#include "trigger.h"

#include <stdio.h>
#include <stdlib.h>

#include "options.h"
#include "snapwrite.h"
#include "stats.h"
#include "sys.h"

#define TRIGGER_MAX_WINDOW 3600 /* ticks */
#define TRIGGER_GROWTH_FLOOR ((uint64_t)1 << 20)

/* "the live heap (N bytes) passed the budget (M bytes)" into buf. */
static void trigger_budget_message(char *buf, size_t len, uint64_t live, const char *then) {
  snprintf(buf, len, "the live heap (%llu bytes) passed the budget (%llu bytes)%s",
           (unsigned long long)live, (unsigned long long)ag_opt.budget.bytes, then);
}

void trigger_check_budget(void) {
  static _Atomic int over;
  uint64_t live = stats_live_bytes();
  if (live <= ag_opt.budget.bytes) {
    atomic_store(&over, 0); /* armed again once back under the budget */
    return;
  }
  if (atomic_exchange(&over, 1)) return;
  int aborting = ag_opt.budget.action == AG_BUDGET_ABORT;
  /* Under the supervisor a "budget" snapshot says it all (the supervisor
   * names the largest sites); alone, the agent says it on stderr. */
  int supervised = ag_opt.warnings == AG_WARNINGS_SNAPSHOT;
  if (supervised || ag_opt.budget.action != AG_BUDGET_WARN) snapwrite("budget", NULL);
  if (!supervised) {
    char msg[160];
    trigger_budget_message(msg, sizeof msg, live, aborting ? "; aborting" : "");
    sys_warn(msg);
  }
  if (aborting) abort();
}

static uint64_t trigger_ring[TRIGGER_MAX_WINDOW];
static uint32_t trigger_count, trigger_next;
static uint64_t trigger_quiet_until_ns;

static uint32_t trigger_window_ticks(void) {
  double w = ag_opt.growth_window;
  return w < 1 ? 1 : w > TRIGGER_MAX_WINDOW ? TRIGGER_MAX_WINDOW : (uint32_t)w;
}

/* Was live far enough above the recorded window's mean? */
static int trigger_grew(uint64_t live) {
  uint32_t window = trigger_window_ticks();
  if (trigger_count < window) return 0;
  uint64_t sum = 0;
  for (uint32_t i = 0; i < window; i++) sum += trigger_ring[i];
  uint64_t mean = sum / window;
  uint64_t floor = TRIGGER_GROWTH_FLOOR;
  if (options_sample_mode() && 16 * ag_opt.sample > floor) floor = 16 * ag_opt.sample;
  return live > mean + floor && (double)live > (double)mean * (1.0 + ag_opt.growth / 100.0);
}

void trigger_growth_tick(uint64_t now_ns, uint64_t live) {
  if (now_ns >= trigger_quiet_until_ns && trigger_grew(live)) {
    trigger_quiet_until_ns = now_ns + (uint64_t)trigger_window_ticks() * 1000000000u;
    snapwrite("growth", NULL); /* silently: the program's stderr stays its own */
  }
  uint32_t window = trigger_window_ticks();
  trigger_ring[trigger_next] = live;
  trigger_next = (trigger_next + 1) % window;
  if (trigger_count < window) trigger_count++;
}
