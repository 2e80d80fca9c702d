/*
 * children.h: the programs the traced process runs (children.c).  Under
 * `leakscope run` (the target option is set) without the trace_children
 * option, only the traced program itself and its forks are traced, as
 * valgrind does: the agent takes its own entries out of the
 * environment at start-up (LD_PRELOAD's and LEAKSCOPE_OPTIONS), so the
 * program sees the environment it would have without leakscope and the
 * programs it executes do not load the agent; and each exec leaves a small
 * marker file (OUT.exec, %p = the pid that executed; OUT.exec.N for the
 * Nth program it started with posix_spawn, system or popen) so that the
 * command can say which programs were not traced.  Preloaded by hand, the agent
 * leaves the environment alone: every program that inherits it is traced.
 */
#ifndef LEAKSCOPE_AGENT_CHILDREN_H
#define LEAKSCOPE_AGENT_CHILDREN_H

#include "base.h"

/* At start-up: the environment as above (nothing with trace_children). */
AG_HIDDEN void children_init(void);
/* Before an exec of path (the exec shims of hooks.c call it): the marker
 * OUT.exec of this process; after an exec that failed, its removal. */
AG_HIDDEN void children_before_exec(const char *path);
AG_HIDDEN void children_exec_failed(void);
/* A child that runs path was started without a fork the agent sees
 * (posix_spawn, system, popen): a marker OUT.exec.N of its own, N = 1, 2,
 * ... in this process. */
AG_HIDDEN void children_spawned(const char *path);

#endif
