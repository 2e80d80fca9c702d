/*
 * failures.c: the agent's failure counters (see failures.h).
 */
#include "failures.h"

#include <stdatomic.h>

static _Atomic uint64_t failures_counts[FAILURE_COUNT];

static const char *const failures_names[FAILURE_COUNT] = {
    "live_block", "stack", "sample", "lifetime", "scan_mark", "scan_blocks", "heap_walk",
};

void failures_note(failure_kind kind) {
  atomic_fetch_add_explicit(&failures_counts[kind], 1, memory_order_relaxed);
}

uint64_t failures_count(failure_kind kind) {
  return atomic_load_explicit(&failures_counts[kind], memory_order_relaxed);
}

const char *failures_name(failure_kind kind) { return failures_names[kind]; }
