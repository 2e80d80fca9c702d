/*
 * inject.h: loading the agent into a running process (inject.c), for
 * `leakscope attach`: the checks that can be made without touching the
 * process, then, with ptrace, one thread stopped at a safe point, made to
 * call dlopen on the agent, dlsym and the agent's attach function through
 * its own libc, and let go with its registers as they were.
 */
#ifndef LEAKSCOPE_INJECT_H
#define LEAKSCOPE_INJECT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the checks learn of the target. */
typedef struct {
  pid_t pid;
  uid_t uid;                   /* its real user */
  char libc[PATH_MAX];         /* its libc.so.6, as it names it */
  uintptr_t libc_bias;         /* where libc is loaded */
  char libc_map[48];           /* its first mapping, "START-END" (/proc/PID/map_files) */
  char ldso[PATH_MAX];
  char agent[PATH_MAX];        /* a libleakscope.so it has loaded already ("": none) */
} inject_target;

/* The checks that need no ptrace: the process exists and is not a zombie,
 * stopped or traced; it is a 64-bit x86 program linked dynamically with
 * glibc; this process may trace it (same user, or root).  0, or -1 with
 * one line in err. */
int inject_check(pid_t pid, inject_target *t, char *err, size_t errlen);

/* Make the target call agent_path's attach function (dlopen'ed first, or
 * the copy already loaded) with options_path; its answer (attach.h's
 * ATTACH_ codes) in *answer, and how long the target's thread was stopped
 * in *stopped_ns.  0, or -1 with one line in err: the target is then left
 * as it was (its registers and pending signals), unless err says it was
 * not. */
int inject_agent(const inject_target *t, const char *agent_path, const char *options_path, int *answer,
                 uint64_t *stopped_ns, char *err, size_t errlen);

#endif
