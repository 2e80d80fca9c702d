/*
 * api.c: the agent's exported functions behind include/leakscope.h (the
 * header finds them with dlsym, so programs never link against the agent).
 * They never allocate: the counters are the per-thread ones folded by
 * threads_totals(), sample-mode live values come from the sampled set, and
 * snapshots go through snapwrite_to().
 */
#include "leakscope.h"

#include "agent.h"

#define API_EXPORT __attribute__((visibility("default")))

static int api_state(void) {
  int state = atomic_load(&ag_state);
  if (state == AG_ACTIVE) return LEAKSCOPE_OK;
  return state == AG_OFF ? LEAKSCOPE_EOFF : LEAKSCOPE_ENOTLOADED;
}

typedef struct {
  double objects, bytes;
} api_live;

static void api_add_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg) {
  api_live *live = arg;
  live->objects += weight;
  live->bytes += weight * (double)size;
}

API_EXPORT int leakscope_agent_loaded(void) { return api_state() == LEAKSCOPE_OK; }

API_EXPORT int leakscope_agent_read_stats(struct leakscope_stats *out, size_t size) {
  int rc = api_state();
  if (rc != LEAKSCOPE_OK) return rc;
  if (out == NULL || size == 0) return LEAKSCOPE_EINVAL;
  struct leakscope_stats s = {0};
  uint64_t bytes_freed;
  threads_totals(&s.allocations_total, &s.frees_total, &s.allocated_bytes_total, &bytes_freed);
  if (ag_opt.sample_mode) {
    api_live live = {0, 0};
    int saved = ag_guard;
    ag_guard = 1;
    sampler_foreach(api_add_sample, &live);
    ag_guard = saved;
    s.live_objects = (uint64_t)(live.objects + 0.5);
    s.live_bytes = (uint64_t)(live.bytes + 0.5);
    s.mode = LEAKSCOPE_MODE_SAMPLE;
    s.sampling_interval = ag_opt.sample_interval;
  } else {
    s.freed_bytes_total = bytes_freed;
    s.live_objects = s.allocations_total - s.frees_total;
    s.live_bytes = s.allocated_bytes_total - bytes_freed;
    s.mode = LEAKSCOPE_MODE_FULL;
  }
  s.snapshots_total = snapwrite_count();
  s.uptime_ns = sys_now_ns() - ag_start_ns;
  s.pid = (int)ag_pid;
  const unsigned char *from = (const unsigned char *)&s;
  unsigned char *to = (unsigned char *)out;
  for (size_t i = 0; i < size && i < sizeof s; i++) to[i] = from[i];
  return LEAKSCOPE_OK;
}

API_EXPORT int leakscope_agent_write_snapshot(const char *path) {
  int rc = api_state();
  if (rc != LEAKSCOPE_OK) return rc;
  if (path == NULL || path[0] == 0) return LEAKSCOPE_EINVAL;
  int saved = ag_guard;
  ag_guard = 1;
  rc = snapwrite_to(path, "api") == 0 ? LEAKSCOPE_OK : LEAKSCOPE_EIO;
  ag_guard = saved;
  return rc;
}
