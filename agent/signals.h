/*
 * signals.h: fatal signals (signals.c).  Every signal whose action is the
 * default one and would end the process (SIGTERM, SIGINT, SIGSEGV, SIGABRT,
 * SIGPIPE, ... all that terminate or dump core, but SIGKILL) gets the
 * agent's handler in its place, so that the process's leaks are reported
 * as memcheck reports them (without __libc_freeres, as memcheck), after
 * which the process dies by the same signal: same status, same core dump.
 * The program never sees the difference: its sigaction and signal calls
 * (hooks.c) go through signals_sigaction, which keeps the program's view
 * of each signal's action and answers with it.  The main thread gets an
 * alternate signal stack, so that a stack overflow is reported too; the
 * program's sigaltstack calls do not see it.
 */
#ifndef LEAKSCOPE_AGENT_SIGNALS_H
#define LEAKSCOPE_AGENT_SIGNALS_H

#include <signal.h>

#include "base.h"

/* Called once, in the thread that received the first fatal signal,
 * before the process dies of it. */
typedef void (*signals_fatal_fn)(int sig);

/* Installs the handler on every fatal signal whose action is the default
 * one now, except the agent's own (stop and control signals). */
AG_HIDDEN int signals_init(signals_fatal_fn on_fatal);
/* sigaction as the program sees it. */
AG_HIDDEN int signals_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* sigaltstack as the program sees it: the main thread's alternate stack,
 * which the agent sets up for its handler when the program has none, reads
 * as none until the program sets its own. */
AG_HIDDEN int signals_sigaltstack(const stack_t *ss, stack_t *old);
/* signal(), bsd_signal() and sysv_signal() on top of signals_sigaction. */
AG_HIDDEN __sighandler_t signals_signal(int sig, __sighandler_t handler, int flags);

#endif
