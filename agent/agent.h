/*
 * agent.h: the agent's life (agent.c): set-up in the constructor, fork
 * handlers, and the exit sequence.  Only the shims (hooks.c) call into it.
 */
#ifndef LEAKSCOPE_AGENT_AGENT_H
#define LEAKSCOPE_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* Tracking starts: options, tables, unwinder, handlers.  The first call
 * into the agent makes it, from whichever library's constructor runs
 * first (so their allocations are seen, as memcheck sees them), or the
 * agent's own constructor; once libc has started, never before. */
AG_HIDDEN void agent_start(void);

/* Tracking set up by `leakscope attach` (attach.c) instead: 0, or -1 with
 * why (NULL when the agent is tracking already). */
AG_HIDDEN int agent_start_attached(const char **why);

/* The bytes the agent's own TLS modules add to every thread's DTV. */
AG_HIDDEN size_t agent_dtv_bytes(void);

/* The process ends with status: stop the other threads, release glibc's
 * and libstdc++'s own memory, scan, write the exit snapshot.  Runs once,
 * from the last exit handler or from _exit, in the traced process only. */
AG_HIDDEN void agent_exit(int status);
/* The program is about to exit (exit() is called, or main returned): in
 * full mode, clear the dead stack before the exit handlers run.  Returns
 * what the caller then gives threads_clear_margin (threads.h). */
AG_HIDDEN uintptr_t agent_before_exit(void);

#endif
