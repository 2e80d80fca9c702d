/*
 * signals.c: the agent's handler for fatal signals (see signals.h).
 *
 * A signal that arrives while its thread is inside the agent (the guard is
 * up: it may hold a table's lock) is held back: the thread notes it and
 * delivers it to itself as it leaves the agent (tstate's pending hook).  A
 * fault inside the agent is the agent's own bug: the process dies of it
 * as it would without the agent, with no report.  A second fatal signal
 * while the first is being handled waits: the first ends the process.
 */
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "options.h"
#include "sys.h"
#include "tstate.h"

/* glibc's own implementation, exported at GLIBC_2.0: the real sigaction. */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#define SIGNALS_MAX 65
#define SIGNALS_ALTSTACK_SIZE (256 * 1024)

static signals_fatal_fn signals_on_fatal;
static struct sigaction signals_program[SIGNALS_MAX]; /* the program's view, where ours is installed */
static _Atomic int signals_ours[SIGNALS_MAX];         /* 1: the agent's handler stands for SIG_DFL */
static _Atomic int signals_fatal_taken;
static _Atomic int signals_altstack_ours; /* the main thread runs handlers on the agent's stack */

/* Signals whose default action ends the process. */
static int signals_is_fatal(int sig) {
  switch (sig) {
    case SIGHUP: case SIGINT: case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
    case SIGFPE: case SIGUSR1: case SIGSEGV: case SIGUSR2: case SIGPIPE: case SIGALRM: case SIGTERM:
    case SIGSTKFLT: case SIGXCPU: case SIGXFSZ: case SIGVTALRM: case SIGPROF: case SIGIO: case SIGPWR:
    case SIGSYS:
      return 1;
    default:
      return sig >= SIGRTMIN && sig <= SIGRTMAX;
  }
}

static int signals_is_agents(int sig) {
  int stop = options_stop_signal();
  return sig == stop || (ag_opt.control_signal > 0 && sig == ag_opt.control_signal);
}

/* The default action back, for good. */
static void signals_restore_default(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  atomic_store(&signals_ours[sig], 0);
  __sigaction(sig, &dfl, NULL);
}

/* Die of sig as if the agent had never handled it. */
static void signals_die(int sig, int synchronous) {
  signals_restore_default(sig);
  if (synchronous) return; /* the faulting instruction runs again, with the default action */
  sigset_t just;
  sigemptyset(&just);
  sigaddset(&just, sig);
  sys_tgkill(sys_gettid(), sig);
  pthread_sigmask(SIG_UNBLOCK, &just, NULL); /* delivered here: the process ends */
}

static void signals_fatal(int sig, int synchronous) {
  if (atomic_exchange(&signals_fatal_taken, 1)) {
    for (;;) pause(); /* another thread reports; it ends the process */
  }
  signals_on_fatal(sig);
  signals_die(sig, synchronous);
}

/* The pending hook of tstate.h: a fatal signal held back while this
 * thread was inside the agent. */
static void signals_deliver_pending(ag_tstate *st) {
  int sig = st->pending_signal;
  st->pending_signal = 0;
  if (sig > 0 && atomic_load(&signals_ours[sig])) signals_fatal(sig, 0);
}

static void signals_handler(int sig, siginfo_t *info, void *context) {
  int saved = errno;
  int synchronous = info->si_code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
                                          sig == SIGILL || sig == SIGTRAP);
  ag_tstate *st = &ag_thread;
  if (st->guard != GUARD_NONE) {
    if (synchronous) signals_restore_default(sig); /* the agent's own fault */
    else st->pending_signal = sig;
    errno = saved;
    return;
  }
  signals_fatal(sig, synchronous);
  errno = saved;
}

static int signals_install_ours(int sig, const sigset_t *mask) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = signals_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sa.sa_mask = *mask;
  if (__sigaction(sig, &sa, NULL) != 0) return -1;
  atomic_store(&signals_ours[sig], 1);
  return 0;
}

static long signals_real_sigaltstack(const stack_t *ss, stack_t *old) {
  return syscall(SYS_sigaltstack, ss, old);
}

/* A stack overflow leaves the handler no stack: the main thread gets an
 * alternate stack of the agent's own, unless the program set one. */
static void signals_altstack_init(void) {
  stack_t now;
  if (sys_gettid() != sys_getpid() || signals_real_sigaltstack(NULL, &now) != 0 || !(now.ss_flags & SS_DISABLE))
    return;
  stack_t ours = {.ss_sp = sys_map(SIGNALS_ALTSTACK_SIZE), .ss_flags = 0, .ss_size = SIGNALS_ALTSTACK_SIZE};
  if (ours.ss_sp != NULL && signals_real_sigaltstack(&ours, NULL) == 0) atomic_store(&signals_altstack_ours, 1);
}

int signals_sigaltstack(const stack_t *ss, stack_t *old) {
  if (!atomic_load(&signals_altstack_ours) || sys_gettid() != sys_getpid())
    return (int)signals_real_sigaltstack(ss, old);
  stack_t none = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
  if (ss != NULL) {
    if (signals_real_sigaltstack(ss, NULL) != 0) return -1;
    atomic_store(&signals_altstack_ours, 0); /* the program's own, or none as it asks */
  }
  if (old != NULL) *old = none;
  return 0;
}

int signals_init(signals_fatal_fn on_fatal) {
  signals_altstack_init();
  signals_on_fatal = on_fatal;
  tstate_pending_hook = signals_deliver_pending;
  sigset_t all;
  sigfillset(&all);
  int rc = 0;
  for (int sig = 1; sig < SIGNALS_MAX && sig < NSIG; sig++) {
    if (!signals_is_fatal(sig) || signals_is_agents(sig)) continue;
    struct sigaction now;
    if (__sigaction(sig, NULL, &now) != 0) continue;
    if (now.sa_handler == SIG_DFL) {
      signals_program[sig] = now;
      if (signals_install_ours(sig, &all) != 0) rc = -1;
    }
  }
  return rc;
}

/* glibc's sigaction tells only what the kernel keeps: the handler, the
 * flags, the restorer and the first 64 signals of the mask (the rest of
 * the caller's sa_mask is left as it was). */
#define SIGNALS_KERNEL_MASK_BYTES 8

static void signals_tell(const struct sigaction *view, struct sigaction *old) {
  old->sa_handler = view->sa_handler;
  memcpy(&old->sa_mask, &view->sa_mask, SIGNALS_KERNEL_MASK_BYTES);
  old->sa_flags = view->sa_flags;
  old->sa_restorer = view->sa_restorer;
}

/* The program sets the default action of sig: what the kernel would keep
 * of act is learnt by installing it for a moment (sig blocked in this
 * thread meanwhile), then the agent's handler stands for it. */
static int signals_set_default(int sig, const struct sigaction *act) {
  sigset_t just, was, all;
  sigemptyset(&just);
  sigaddset(&just, sig);
  pthread_sigmask(SIG_BLOCK, &just, &was);
  struct sigaction kept;
  int rc = __sigaction(sig, act, NULL);
  if (rc == 0) rc = __sigaction(sig, NULL, &kept);
  if (rc == 0) {
    sigfillset(&all);
    rc = signals_install_ours(sig, &all);
  }
  if (rc == 0) signals_program[sig] = kept;
  int saved = errno;
  pthread_sigmask(SIG_SETMASK, &was, NULL);
  errno = saved;
  return rc;
}

int signals_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  if (sig <= 0 || sig >= SIGNALS_MAX || !signals_is_fatal(sig) || signals_is_agents(sig) ||
      signals_on_fatal == NULL)
    return __sigaction(sig, act, old);
  struct sigaction before;
  if (atomic_load(&signals_ours[sig])) {
    before = signals_program[sig];
  } else if (__sigaction(sig, NULL, &before) != 0) {
    return -1;
  }
  if (act != NULL) {
    if (act->sa_handler == SIG_DFL) {
      if (signals_set_default(sig, act) != 0) return -1;
    } else {
      int was_ours = atomic_exchange(&signals_ours[sig], 0);
      if (__sigaction(sig, act, NULL) != 0) {
        if (was_ours) atomic_store(&signals_ours[sig], 1);
        return -1;
      }
    }
  }
  if (old != NULL) signals_tell(&before, old);
  return 0;
}

__sighandler_t signals_signal(int sig, __sighandler_t handler, int flags) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  act.sa_flags = flags;
  if (signals_sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler; /* the union: sa_sigaction's bits when SA_SIGINFO was set */
}
