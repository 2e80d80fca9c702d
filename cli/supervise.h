/*
 * supervise.h: starting PROG with the agent preloaded and waiting for it
 * (supervise.c), for `leakscope run` (run.c).
 */
#ifndef LEAKSCOPE_SUPERVISE_H
#define LEAKSCOPE_SUPERVISE_H

#include <stddef.h>
#include <sys/types.h>

#include "run.h"

/* Resolve PROG as execvp would; 0 and the path, or -1 with errno. */
int supervise_find_program(const char *prog, char *out, size_t outlen);
/* The agent beside the command, or where `make install` put it; 0 or -1. */
int supervise_find_agent(char *out, size_t outlen);

/* Fork and exec PROG (prog, o->prog_argv) with the agent preloaded and
 * LEAKSCOPE_OPTIONS telling it o's settings, the snapshot directory dir
 * and, with control set, that requests are left there (the HTTP server's,
 * `leakscope retain --pid`'s; the
 * agent holds no descriptor of ours: docs/LIVE.md).  Then forward SIGTERM and SIGHUP to it and ignore
 * SIGINT and SIGQUIT (the terminal sends those to PROG itself).  Returns
 * the child's pid, or -1 after a one-line error (the child, if any, has
 * been waited for). */
pid_t supervise_start(const run_options *o, const char *prog, const char *agent, const char *dir,
                      int control);

/* Wait for the child; its wait status.  With tick set, tick(ctx) runs
 * every 20 ms while it lives (snapshots to collect). */
int supervise_wait(pid_t child, void (*tick)(void *ctx), void *ctx);

/* PROG died of signal sig: die of the same one, so whoever waits for
 * leakscope sees what it would have seen of PROG (no core file of ours). */
void supervise_die_like(int sig);

#endif
