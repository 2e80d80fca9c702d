/*
 * signals.h: fatal signals (signals.c).  Every signal whose action is the
 * default one and would end the process (SIGTERM, SIGINT, SIGSEGV, SIGABRT,
 * SIGPIPE, ... all that terminate or dump core, but SIGKILL) gets the
 * agent's handler in its place, so that the process's leaks are reported
 * as memcheck reports them (without __libc_freeres, as memcheck), after
 * which the process dies by the same signal: same status, same core dump.
 * The program never sees the difference: its sigaction and signal calls
 * (hooks.c) go through signals_sigaction, which keeps the program's view
 * of each signal's action and answers with it.  The main thread and the
 * threads pthread_create starts get an alternate signal stack, so that a
 * stack overflow is reported too; the program's sigaltstack calls do not
 * see it.
 */
#ifndef LEAKSCOPE_AGENT_SIGNALS_H
#define LEAKSCOPE_AGENT_SIGNALS_H

#include <signal.h>
#include <stdint.h>

#include "base.h"

/* Called once, in the thread that received the first fatal signal,
 * before the process dies of it; sp: where the stack of the code the
 * signal stopped begins (its live part is above). */
typedef void (*signals_fatal_fn)(int sig, uintptr_t sp);

/* Installs the handler on every fatal signal whose action is the default
 * one now, except the agent's own (stop and control signals). */
AG_HIDDEN int signals_init(signals_fatal_fn on_fatal);
/* sigaction as the program sees it. */
AG_HIDDEN int signals_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* sigaltstack as the program sees it: the main thread's alternate stack,
 * which the agent sets up for its handler when the program has none, reads
 * as none until the program sets its own. */
AG_HIDDEN int signals_sigaltstack(const stack_t *ss, stack_t *old);
/* pthread_create's part (hooks.c): what to start in the new thread (a
 * mapping that holds start and arg, and the thread's alternate stack), or
 * NULL: start it as it is; signals_thread_main is then the thread's start
 * routine, with it as argument, and signals_thread_discard takes it back
 * when the thread could not be created. */
AG_HIDDEN void *signals_thread_prepare(void *(*start)(void *), void *arg);
AG_HIDDEN void *signals_thread_main(void *prepared);
AG_HIDDEN void signals_thread_discard(void *prepared);
/* signal(), bsd_signal() and sysv_signal() on top of signals_sigaction. */
AG_HIDDEN __sighandler_t signals_signal(int sig, __sighandler_t handler, int flags);

#endif
