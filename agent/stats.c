/*
 * stats.c: the heap's statistics now (see stats.h).
 */
#include "stats.h"

#include <string.h>

#include "options.h"
#include "sampler.h"
#include "snapwrite.h"
#include "state.h"
#include "threads.h"

typedef struct {
  double objects, bytes;
} stats_live;

static void stats_add_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg) {
  stats_live *live = arg;
  live->objects += weight;
  live->bytes += weight * (double)size;
}

void stats_read(struct leakscope_stats *out) {
  memset(out, 0, sizeof *out);
  threads_counts t = threads_totals();
  out->allocations_total = t.allocs;
  out->frees_total = t.frees;
  out->allocated_bytes_total = t.bytes_allocated;
  if (options_sample_mode()) {
    stats_live live = {0, 0};
    int was = guard_enter_self(GUARD_AGENT);
    sampler_foreach(stats_add_sample, &live);
    guard_leave_self(was);
    out->live_objects = (uint64_t)(live.objects + 0.5);
    out->live_bytes = (uint64_t)(live.bytes + 0.5);
    out->mode = LEAKSCOPE_MODE_SAMPLE;
    out->sampling_interval = ag_opt.sample;
  } else {
    out->freed_bytes_total = t.bytes_freed;
    out->live_objects = t.allocs - t.frees;
    out->live_bytes = t.bytes_allocated - t.bytes_freed;
    out->mode = LEAKSCOPE_MODE_FULL;
  }
  out->snapshots_total = snapwrite_count();
  out->uptime_ns = sys_now_ns() - ag_state.start_ns;
  out->pid = (int)ag_state.pid;
}

uint64_t stats_live_bytes(void) {
  if (options_sample_mode()) return sampler_live_bytes();
  threads_counts t = threads_totals();
  return t.bytes_allocated > t.bytes_freed ? t.bytes_allocated - t.bytes_freed : 0;
}
