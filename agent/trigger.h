/*
 * trigger.h: snapshots the agent takes by itself: when the live heap
 * passes the budget (the budget option: warn, dump or abort), and when it
 * grows past its recent mean (the growth options, holmes' rule).
 */
#ifndef LEAKSCOPE_AGENT_TRIGGER_H
#define LEAKSCOPE_AGENT_TRIGGER_H

#include <stdint.h>

#include "base.h"

/* Allocations check the budget at most once per this many bytes a thread
 * allocates (full mode), or at every sample (sample mode). */
#define TRIGGER_BUDGET_STRIDE (256 * 1024)

/* Compare the live heap with the budget; warn, dump or abort on passing it. */
AG_HIDDEN void trigger_check_budget(void);
/* One tick (about a second) of the growth watch: record live, and write a
 * "growth" snapshot when it passes the window's mean. */
AG_HIDDEN void trigger_growth_tick(uint64_t now_ns, uint64_t live);

#endif
