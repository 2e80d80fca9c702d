/*
 * util/cgroup.h: the memory limit of the cgroup this process runs in
 * (util/cgroup.c), for `run --budget PCT%`: cgroup v2's memory.max, or
 * v1's memory.limit_in_bytes, the lowest along the path from the process's
 * cgroup up to the hierarchy's root (a container's limit is often set on
 * a parent).  A program run by leakscope inherits leakscope's cgroup.
 */
#ifndef LEAKSCOPE_UTIL_CGROUP_H
#define LEAKSCOPE_UTIL_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* The limit in bytes and the file it was read from; 0, or -1 with a
 * one-line reason in err when there is no limit (none set, or no cgroup
 * file to read). */
int cgroup_memory_limit(uint64_t *limit, char *file, size_t filelen, char *err, size_t errlen);

#endif
