/*
 * api_client.c: a program that uses include/leakscope.h, for
 * tests/http/test_api.sh.  It is built without any link to the agent.
 *
 *   api_client loaded SNAPSHOT   under the agent: stats are sane, live bytes
 *                                grow by what it allocates, a snapshot is
 *                                written to SNAPSHOT
 *   api_client absent            without the agent: every call says
 *                                LEAKSCOPE_ENOTLOADED and the program runs on
 *
 * Prints what it saw; exits 0 when everything matched, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/leakscope.h"

#define API_BLOCKS 256
#define API_BLOCK_SIZE (32 * 1024)

static void *api_blocks[API_BLOCKS];

static int api_check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  return ok ? 0 : 1;
}

/* Keep API_BLOCKS blocks alive (8 MiB). */
__attribute__((noinline)) static void api_allocate_cache(void) {
  for (int i = 0; i < API_BLOCKS; i++) {
    api_blocks[i] = malloc(API_BLOCK_SIZE);
    memset(api_blocks[i], i, API_BLOCK_SIZE);
  }
}

static int api_loaded(const char *snapshot) {
  int bad = api_check(leakscope_loaded() == 1, "leakscope_loaded() == 1");
  struct leakscope_stats before, after;
  int rc = leakscope_read_stats(&before);
  bad |= api_check(rc == LEAKSCOPE_OK, leakscope_strerror(rc));
  printf("before: live %llu bytes %llu objects, %llu allocations, %llu frees, mode %d, interval %llu\n",
         (unsigned long long)before.live_bytes, (unsigned long long)before.live_objects,
         (unsigned long long)before.allocations_total, (unsigned long long)before.frees_total,
         before.mode, (unsigned long long)before.sampling_interval);
  api_allocate_cache();
  rc = leakscope_read_stats(&after);
  bad |= api_check(rc == LEAKSCOPE_OK, "second leakscope_read_stats");
  printf("after:  live %llu bytes %llu objects, %llu allocations, %llu frees\n",
         (unsigned long long)after.live_bytes, (unsigned long long)after.live_objects,
         (unsigned long long)after.allocations_total, (unsigned long long)after.frees_total);
  unsigned long long grown = after.live_bytes - before.live_bytes;
  unsigned long long want = (unsigned long long)API_BLOCKS * API_BLOCK_SIZE;
  if (after.mode == LEAKSCOPE_MODE_FULL) {
    bad |= api_check(grown == want, "full mode: live bytes grew by exactly 8 MiB");
    bad |= api_check(after.allocations_total - before.allocations_total >= API_BLOCKS,
                     "full mode: 256 more allocations");
    bad |= api_check(after.live_objects == after.allocations_total - after.frees_total,
                     "full mode: live objects = allocations - frees");
    bad |= api_check(after.sampling_interval == 0, "full mode: sampling interval 0");
  } else {
    bad |= api_check(grown > want / 2 && grown < want * 2, "sample mode: live bytes grew by about 8 MiB");
    bad |= api_check(after.allocations_total - before.allocations_total >= API_BLOCKS,
                     "sample mode: allocation count exact");
    bad |= api_check(after.sampling_interval > 0, "sample mode: sampling interval set");
  }
  bad |= api_check(after.allocated_bytes_total >= before.allocated_bytes_total + want,
                   "allocated bytes total grew by at least 8 MiB");
  bad |= api_check(after.pid > 0 && after.uptime_ns > 0, "pid and uptime set");
  rc = leakscope_write_snapshot(snapshot);
  bad |= api_check(rc == LEAKSCOPE_OK, "leakscope_write_snapshot");
  bad |= api_check(leakscope_write_snapshot("") == LEAKSCOPE_EINVAL, "empty path is EINVAL");
  bad |= api_check(leakscope_write_snapshot("/nonexistent-dir/x.raw") == LEAKSCOPE_EIO,
                   "unwritable path is EIO");
  struct leakscope_stats last;
  leakscope_read_stats(&last);
  bad |= api_check(last.snapshots_total > after.snapshots_total, "snapshots_total counts it");
  return bad;
}

static int api_absent(void) {
  int bad = api_check(leakscope_loaded() == 0, "leakscope_loaded() == 0");
  struct leakscope_stats s;
  int rc = leakscope_read_stats(&s);
  printf("read_stats: %d (%s)\n", rc, leakscope_strerror(rc));
  bad |= api_check(rc == LEAKSCOPE_ENOTLOADED, "read_stats says not loaded");
  rc = leakscope_write_snapshot("should-not-exist.raw");
  bad |= api_check(rc == LEAKSCOPE_ENOTLOADED, "write_snapshot says not loaded");
  FILE *f = fopen("should-not-exist.raw", "r");
  bad |= api_check(f == NULL, "no snapshot file written");
  if (f) fclose(f);
  api_allocate_cache();
  bad |= api_check(api_blocks[API_BLOCKS - 1] != NULL, "the program runs on");
  return bad;
}

int main(int argc, char **argv) {
  int bad;
  if (argc == 3 && strcmp(argv[1], "loaded") == 0) bad = api_loaded(argv[2]);
  else if (argc == 2 && strcmp(argv[1], "absent") == 0) bad = api_absent();
  else {
    fprintf(stderr, "usage: api_client loaded SNAPSHOT | api_client absent\n");
    return 2;
  }
  for (int i = 0; i < API_BLOCKS; i++) free(api_blocks[i]);
  return bad;
}
