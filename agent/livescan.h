/*
 * livescan.h: the live retention snapshot (livescan.c): who holds the
 * program's memory, asked while it runs, with the program stopped only
 * while a copy-on-write child of it is made.
 */
#ifndef LEAKSCOPE_AGENT_LIVESCAN_H
#define LEAKSCOPE_AGENT_LIVESCAN_H

#include "base.h"

/* Live snapshots can be taken (the stop signal's handler is installed);
 * tls_modules: the DTV entries the agent's own TLS modules add. */
AG_HIDDEN void livescan_enable(int tls_modules);
/* The control thread's turn: a new request is started, a finished child
 * reaped, one that took too long killed.  Never blocks for long. */
AG_HIDDEN void livescan_poll(void);

#endif
