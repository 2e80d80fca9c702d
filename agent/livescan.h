/*
 * livescan.h: the live retention snapshot (livescan.c): who holds the
 * program's memory, asked while it runs, with the program stopped only
 * while a copy-on-write child of it is made.
 */
#ifndef LEAKSCOPE_AGENT_LIVESCAN_H
#define LEAKSCOPE_AGENT_LIVESCAN_H

#include "base.h"
#include "world.h"

/* Live snapshots can be taken; tls_modules: the DTV entries the agent's
 * own TLS modules add; stop: how the threads are stopped for the copy
 * (WORLD_PTRACE_FIRST with the stop signal's handler installed, else
 * WORLD_PTRACE_ONLY). */
AG_HIDDEN void livescan_enable(int tls_modules, world_how stop);
/* The control thread ends (a detach): a child still scanning is killed and
 * reaped, so the program is left no child of the agent's. */
AG_HIDDEN void livescan_end(void);
/* The control thread's turn: a new request is started, a finished child
 * reaped, one that took too long killed.  Never blocks for long. */
AG_HIDDEN void livescan_poll(void);

#endif
