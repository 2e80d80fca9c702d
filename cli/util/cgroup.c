/*
 * util/cgroup.c: the memory limit of this process's cgroup (see
 * util/cgroup.h).
 *
 * /proc/self/cgroup has a line "ID:CONTROLLERS:PATH" per hierarchy: v1's
 * memory controller is the line whose controllers include "memory" (its
 * files under /sys/fs/cgroup/memory), v2's unified hierarchy the line
 * "0::PATH" (under /sys/fs/cgroup).  When both are there the memory
 * controller is v1's.  Each directory from PATH up to the mount is read:
 * v2's memory.max holds a number or "max"; v1's memory.limit_in_bytes
 * holds a number, a huge one (2^63 less a page) when there is none.  In a
 * container with its own cgroup namespace PATH is "/" and the mount is the
 * container's own cgroup, whose file is read.
 */
#include "util/cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_V1_NO_LIMIT ((uint64_t)1 << 60) /* v1 writes PAGE_COUNTER_MAX pages, about 2^63 */

/* The number in file (v2's "max": none); 1 and *value, 0 when there is no
 * limit or no file. */
static int cgroup_read_limit(const char *file, uint64_t *value) {
  FILE *f = fopen(file, "r");
  if (f == NULL) return 0;
  char text[64] = "";
  int got = fgets(text, sizeof text, f) != NULL;
  fclose(f);
  if (!got || strncmp(text, "max", 3) == 0) return 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || (*end != '\n' && *end != 0) || v == 0 || v >= CGROUP_V1_NO_LIMIT) return 0;
  *value = v;
  return 1;
}

/* The lowest limit in name from mount/path up to mount; 1 if any. */
static int cgroup_walk(const char *mount, const char *path, const char *name, uint64_t *limit, char *file,
                       size_t filelen) {
  char dir[4096];
  int n = snprintf(dir, sizeof dir, "%s%s", mount, strcmp(path, "/") == 0 ? "" : path);
  if (n < 0 || (size_t)n >= sizeof dir) return 0;
  size_t mount_len = strlen(mount);
  int found = 0;
  for (;;) {
    char candidate[4200];
    uint64_t v;
    snprintf(candidate, sizeof candidate, "%s/%s", dir, name);
    if (cgroup_read_limit(candidate, &v) && (!found || v < *limit)) {
      *limit = v;
      snprintf(file, filelen, "%s", candidate);
      found = 1;
    }
    char *slash = strrchr(dir, '/');
    if (strlen(dir) <= mount_len || slash == NULL || (size_t)(slash - dir) < mount_len) break;
    *slash = 0;
  }
  return found;
}

int cgroup_memory_limit(uint64_t *limit, char *file, size_t filelen, char *err, size_t errlen) {
  FILE *f = fopen("/proc/self/cgroup", "r");
  if (f == NULL) {
    snprintf(err, errlen, "cannot read /proc/self/cgroup: %s", strerror(errno));
    return -1;
  }
  char line[4096], v1[4096] = "", v2[4096] = "";
  int have_v1 = 0, have_v2 = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\n")] = 0;
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c1 = *c2 = 0;
    const char *controllers = c1 + 1, *path = c2 + 1;
    if (strcmp(line, "0") == 0 && controllers[0] == 0) {
      snprintf(v2, sizeof v2, "%s", path);
      have_v2 = 1;
    }
    char list[512];
    snprintf(list, sizeof list, ",%s,", controllers);
    if (strstr(list, ",memory,") != NULL) {
      snprintf(v1, sizeof v1, "%s", path);
      have_v1 = 1;
    }
  }
  fclose(f);
  if (have_v1) {
    if (cgroup_walk(CGROUP_ROOT "/memory", v1, "memory.limit_in_bytes", limit, file, filelen)) return 0;
    snprintf(err, errlen, "no memory limit for this cgroup (%s/memory%s/memory.limit_in_bytes and its parents set none)",
             CGROUP_ROOT, strcmp(v1, "/") == 0 ? "" : v1);
    return -1;
  }
  if (have_v2) {
    if (cgroup_walk(CGROUP_ROOT, v2, "memory.max", limit, file, filelen)) return 0;
    snprintf(err, errlen, "no memory limit for this cgroup (%s%s/memory.max and its parents set none)", CGROUP_ROOT,
             strcmp(v2, "/") == 0 ? "" : v2);
    return -1;
  }
  snprintf(err, errlen, "no memory cgroup in /proc/self/cgroup");
  return -1;
}
