/*
 * signals.c: the agent's handler for fatal signals (see signals.h).
 *
 * A signal that arrives while its thread is inside the agent (the guard is
 * up: it may hold a table's lock) is held back: the thread notes it and
 * delivers it to itself as it leaves the agent (tstate's pending hook).  A
 * fault inside the agent is the agent's own bug: the process dies of it
 * as it would without the agent, with no report.  A second fatal signal
 * while the first is being handled waits: the first ends the process.
 *
 * The handler runs on an alternate stack, so that a stack overflow is
 * reported too: the agent's own one, given to the main thread at start-up
 * and to every thread pthread_create starts (signals_thread_*), or the
 * program's where it set one.  Either may be small, so the report itself
 * runs on a stack of its own (one for the process: one thread reports).
 */
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "options.h"
#include "sys.h"
#include "tstate.h"
#include "world.h"

/* glibc's own implementation, exported at GLIBC_2.0: the real sigaction. */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#define SIGNALS_MAX 65
#define SIGNALS_ALTSTACK_SIZE (64 * 1024)      /* the kernel's signal frame and the switch to the report's */
#define SIGNALS_REPORT_STACK_SIZE (1024 * 1024) /* the leak check and the snapshot */
#define SIGNALS_PAGE 4096

static signals_fatal_fn signals_on_fatal;
static struct sigaction signals_program[SIGNALS_MAX]; /* the program's view, where ours is installed */
static _Atomic int signals_ours[SIGNALS_MAX];         /* 1: the agent's handler stands for SIG_DFL */
static _Atomic int signals_fatal_taken;
static char *signals_report_stack;
static pthread_key_t signals_altstack_key; /* a thread's alternate stack of the agent's, unmapped at its end */
static int signals_threads_ready;

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

/* The one report, on the report's stack. */
static int signals_report_sig;
static uintptr_t signals_report_sp;
static void signals_report(void) { signals_on_fatal(signals_report_sig, signals_report_sp); }

/* sp: the stack pointer of the thread's code the signal stopped (for the
 * leak scan: its stack counts from there). */
static void signals_fatal(int sig, int synchronous, uintptr_t sp) {
  if (atomic_exchange(&signals_fatal_taken, 1)) {
    for (;;) pause(); /* another thread reports; it ends the process */
  }
  signals_report_sig = sig;
  signals_report_sp = sp;
  ucontext_t here, report;
  if (signals_report_stack != NULL && getcontext(&report) == 0) {
    report.uc_stack.ss_sp = signals_report_stack;
    report.uc_stack.ss_size = SIGNALS_REPORT_STACK_SIZE;
    report.uc_link = &here;
    makecontext(&report, signals_report, 0);
    if (swapcontext(&here, &report) != 0) signals_report();
  } else {
    signals_report();
  }
  signals_die(sig, synchronous);
}

/* The pending hook of tstate.h: a fatal signal held back while this
 * thread was inside the agent. */
static void signals_deliver_pending(ag_tstate *st) {
  int sig = st->pending_signal;
  st->pending_signal = 0;
  if (sig > 0 && atomic_load(&signals_ours[sig])) signals_fatal(sig, 0, (uintptr_t)__builtin_frame_address(0));
}

#define SIGNALS_RED_ZONE 128 /* below the stack pointer: the interrupted function's */

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
  uintptr_t sp = (uintptr_t)((const ucontext_t *)context)->uc_mcontext.gregs[REG_RSP];
  signals_fatal(sig, synchronous, sp - SIGNALS_RED_ZONE);
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

/* A stack overflow leaves the handler no stack: the calling thread gets
 * an alternate stack of the agent's own, at stack (SIGNALS_ALTSTACK_SIZE
 * bytes), unless the program set one.  1 when it is in use. */
static int signals_altstack_give(void *stack) {
  stack_t now;
  if (stack == NULL || signals_real_sigaltstack(NULL, &now) != 0 || !(now.ss_flags & SS_DISABLE)) return 0;
  stack_t ours = {.ss_sp = stack, .ss_flags = 0, .ss_size = SIGNALS_ALTSTACK_SIZE};
  if (signals_real_sigaltstack(&ours, NULL) != 0) return 0;
  ag_thread.altstack_ours = 1;
  return 1;
}

int signals_sigaltstack(const stack_t *ss, stack_t *old) {
  if (!ag_thread.altstack_ours) return (int)signals_real_sigaltstack(ss, old);
  stack_t none = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
  if (ss != NULL) {
    if (signals_real_sigaltstack(ss, NULL) != 0) return -1;
    ag_thread.altstack_ours = 0; /* the program's own, or none as it asks */
  }
  if (old != NULL) *old = none;
  return 0;
}

/* ---- threads' alternate stacks -------------------------------------------- */

/* What pthread_create is to start, at the bottom of the alternate stack's
 * mapping: one page, then the stack.  (The program's argument is out of
 * the leak scan's sight until the thread starts: the mapping is the
 * agent's.) */
typedef struct {
  void *(*start)(void *);
  void *arg;
} signals_thread_start;
#define SIGNALS_THREAD_MAP (SIGNALS_PAGE + SIGNALS_ALTSTACK_SIZE)

/* The thread ends (a key's destructor): its alternate stack goes, unless
 * it is running on it (a handler that called pthread_exit). */
static void signals_thread_end(void *map) {
  stack_t now;
  if (signals_real_sigaltstack(NULL, &now) != 0 || (now.ss_flags & SS_ONSTACK)) return;
  if (ag_thread.altstack_ours) {
    stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
    signals_real_sigaltstack(&off, NULL);
    ag_thread.altstack_ours = 0;
  }
  int was = guard_enter_self(GUARD_AGENT);
  sys_unmap(map, SIGNALS_THREAD_MAP);
  guard_leave_self(was);
  world_park_if_requested();
}

void *signals_thread_prepare(void *(*start)(void *), void *arg) {
  if (!signals_threads_ready) return NULL;
  int was = guard_enter_self(GUARD_AGENT); /* parked by a world stop only outside (sys_map's lock) */
  signals_thread_start *t = sys_map(SIGNALS_THREAD_MAP);
  guard_leave_self(was);
  world_park_if_requested();
  if (t != NULL) {
    t->start = start;
    t->arg = arg;
  }
  return t;
}

void signals_thread_discard(void *prepared) {
  int was = guard_enter_self(GUARD_AGENT);
  sys_unmap(prepared, SIGNALS_THREAD_MAP);
  guard_leave_self(was);
  world_park_if_requested();
}

void *signals_thread_main(void *prepared) {
  signals_thread_start *t = prepared;
  void *(*start)(void *) = t->start;
  void *arg = t->arg;
  int was = guard_enter_self(GUARD_AGENT); /* pthread_setspecific may allocate: an internal block */
  if (pthread_setspecific(signals_altstack_key, t) == 0) signals_altstack_give((char *)t + SIGNALS_PAGE);
  else signals_thread_end(t);
  guard_leave_self(was);
  return start(arg); /* a tail call: no frame of the agent's under the program's start */
}

int signals_init(signals_fatal_fn on_fatal) {
  if (sys_gettid() == sys_getpid()) signals_altstack_give(sys_map(SIGNALS_ALTSTACK_SIZE));
  signals_report_stack = sys_map(SIGNALS_REPORT_STACK_SIZE);
  if (pthread_key_create(&signals_altstack_key, signals_thread_end) == 0) signals_threads_ready = 1;
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
