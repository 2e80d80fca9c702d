/*
 * api.c: the agent's exported functions behind include/leakscope.h (the
 * header finds them with dlsym, so programs never link against the agent).
 * They never allocate: statistics come from stats.c, snapshots go through
 * snapwrite_to().
 */
#include "leakscope.h"

#include "base.h"
#include "snapwrite.h"
#include "state.h"
#include "stats.h"

static int api_state(void) {
  int phase = state_phase();
  if (phase == AG_ACTIVE) return LEAKSCOPE_OK;
  return phase == AG_OFF ? LEAKSCOPE_EOFF : LEAKSCOPE_ENOTLOADED;
}

AG_EXPORT int leakscope_agent_loaded(void) { return api_state() == LEAKSCOPE_OK; }

AG_EXPORT int leakscope_agent_read_stats(struct leakscope_stats *out, size_t size) {
  int rc = api_state();
  if (rc != LEAKSCOPE_OK) return rc;
  if (out == NULL || size == 0) return LEAKSCOPE_EINVAL;
  struct leakscope_stats s;
  stats_read(&s);
  const unsigned char *from = (const unsigned char *)&s;
  unsigned char *to = (unsigned char *)out;
  for (size_t i = 0; i < size && i < sizeof s; i++) to[i] = from[i];
  return LEAKSCOPE_OK;
}

AG_EXPORT int leakscope_agent_write_snapshot(const char *path) {
  int rc = api_state();
  if (rc != LEAKSCOPE_OK) return rc;
  if (path == NULL || path[0] == 0) return LEAKSCOPE_EINVAL;
  return snapwrite_to(path, "api") == 0 ? LEAKSCOPE_OK : LEAKSCOPE_EIO;
}
