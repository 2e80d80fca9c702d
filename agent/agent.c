/*
 * agent.c: the agent's life: initialization at the first call into the
 * agent once libc has started (a library constructor's allocation, or the
 * agent's own constructor; ld.so's allocations before that pass through
 * untracked), the fork handlers, and
 * the exit sequence run from the last exit handler (or from _exit): stop
 * the other threads, let glibc and libstdc++ release their own memory as
 * memcheck does (__libc_freeres, __gnu_cxx::__freeres), scan, and write
 * the exit snapshot.
 */
#include "agent.h"

#include <link.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include "children.h"
#include "chunks.h"
#include "control.h"
#include "blocks.h"
#include "glibc.h"
#include "got.h"
#include "lifetimes.h"
#include "livescan.h"
#include "modules.h"
#include "options.h"
#include "sampler.h"
#include "signals.h"
#include "snapwrite.h"
#include "stacktab.h"
#include "state.h"
#include "sys.h"
#include "threads.h"
#include "ticks.h"
#include "unwind.h"
#include "world.h"

#define AGENT_MAX_THREADS 8192

extern void __libc_freeres(void) __attribute__((weak));
extern void _ZN9__gnu_cxx9__freeresEv(void) __attribute__((weak));

static int agent_tls_modules = 1; /* TLS modules the agent brought (itself, libunwind) */
static int agent_live_ready;       /* live retention snapshots may stop the world */

static int agent_count_tls(struct dl_phdr_info *info, size_t size, void *arg) {
  if (info->dlpi_tls_modid != 0) ++*(int *)arg;
  return 0;
}

/* ---- fork ------------------------------------------------------------------ */

/* Every lock is taken before fork, so that the child finds none held. */
static void agent_fork_prepare(void) {
  guard_enter_self(GUARD_TABLES);
  if (state_phase() != AG_ACTIVE) return;
  stacktab_lock_all();
  sampler_lock();
}

static void agent_fork_parent(void) {
  if (state_phase() == AG_ACTIVE) {
    sampler_unlock();
    stacktab_unlock_all();
  }
  guard_leave_self(GUARD_NONE);
}

static void agent_fork_child(void) {
  sampler_reset_lock();
  stacktab_reset_lock();
  ag_state.pid = sys_getpid();
  threads_after_fork_child();
  unwind_after_fork_child();
  guard_leave_self(GUARD_NONE);
}

/* ---- set-up ------------------------------------------------------------------ */

static void agent_finish(int status, int sig, uintptr_t sp);
static void agent_on_fatal_signal(int sig, uintptr_t sp) { agent_finish(0, sig, sp); }

static void agent_off(const char *why) {
  if (why != NULL) sys_warn_stderr(why); /* no snapshot will carry it */
  atomic_store(&ag_state.phase, AG_OFF);
}

static void agent_on_exit(int status, void *arg);

void agent_start(void) {
  /* Not before libc's own start-up has run (ld.so allocates through the
   * hooks while it loads the program; the thread's TLS is not final yet). */
  if (environ == NULL) return;
  int expected = AG_UNINIT;
  if (!atomic_compare_exchange_strong(&ag_state.phase, &expected, AG_INITIALIZING)) return;
  options_parse(sys_getenv("LEAKSCOPE_OPTIONS"));
  int problems;
  const char *problem = options_problem(&problems);
  if (problem != NULL) {
    char msg[160];
    snprintf(msg, sizeof msg, "LEAKSCOPE_OPTIONS: %s%s; ignored", problem, problems > 1 ? " (and more)" : "");
    sys_warn(msg);
  }
  ag_state.pid = sys_getpid();
  ag_state.start_ns = sys_now_ns();
  if (ag_opt.target != 0 && ag_opt.target != ag_state.pid && !ag_opt.trace_children) {
    agent_off(NULL); /* an exec'd program: not traced unless asked */
    return;
  }
  children_init();
  const char *why;
  if (glibc_check(&why) != 0) {
    agent_off(why);
    return;
  }
  blocks_init();
  if (!options_sample_mode() && ag_opt.lifetimes) {
    ticks_init();
    lifetimes_init();
  }
  if (stacktab_init() != 0 || threads_init() != 0) {
    agent_off("cannot set up the agent's tables; tracking is off");
    return;
  }
  /* From here the init thread's own allocations (libunwind's dlopen, the
   * control thread) are internal blocks: scanned as roots, never reported. */
  ag_state.tables_ready = 1;
  int was = guard_enter(threads_self(), GUARD_AGENT);
  unwind_init();
  modules_init();
  /* the stop signal parks threads for the exit scan, and for the live
   * retention snapshots the supervisor may ask for (control) */
  if (((!options_sample_mode() && ag_opt.leak_check) || ag_opt.control) && world_install_handlers() != 0)
    sys_warn("cannot install the thread-stop handler; the leak scan will not stop threads");
  else if (ag_opt.control && options_sample_mode() && chunks_check(&why) != 0)
    sys_warn(why); /* no live retention in sample mode */
  else if (ag_opt.control)
    agent_live_ready = 1;
  pthread_atfork(agent_fork_prepare, agent_fork_parent, agent_fork_child);
  if (signals_init(agent_on_fatal_signal) != 0)
    sys_warn("cannot handle every fatal signal; a program killed by one may leave no report");
  atomic_store(&ag_state.phase, AG_ACTIVE);
  if (control_start() != 0) sys_warn("cannot start the control thread; no snapshots on request");
  on_exit(agent_on_exit, NULL);
  guard_leave_self(was);
}

/* Tracking set up by `leakscope attach` (attach.c) in a program that has
 * long been running: the options are parsed already; the tables, the
 * unwinder and the fork handlers are made by the first attach and reused
 * by the next; the program's environment, signals and exit handlers are
 * left alone.  The phase stays AG_INITIALIZING for attach.c to make
 * active.  0, or -1 with why (NULL: attached or tracking already). */
int agent_start_attached(const char **why) {
  int expected = state_phase();
  *why = NULL;
  if ((expected != AG_UNINIT && expected != AG_OFF) ||
      !atomic_compare_exchange_strong(&ag_state.phase, &expected, AG_INITIALIZING))
    return -1;
  ag_state.pid = sys_getpid();
  ag_state.start_ns = sys_now_ns();
  ag_state.exit_status = -1;
  if (ag_state.tables_ready) return 0;
  if (glibc_check(why) == 0) blocks_init();
  if (*why != NULL || stacktab_init() != 0 || threads_init() != 0) {
    if (*why == NULL) *why = "cannot set up the agent's tables";
    atomic_store(&ag_state.phase, AG_OFF);
    return -1;
  }
  ag_state.tables_ready = 1;
  int was = guard_enter(threads_self(), GUARD_AGENT);
  unwind_init();
  modules_init();
  pthread_atfork(agent_fork_prepare, agent_fork_parent, agent_fork_child);
  guard_leave_self(was);
  return 0; /* (attach.c primes the slow unwinder from the control thread, not in the stop) */
}

/* The exit sequence runs from an on_exit handler registered at start-up,
 * which comes at the first allocation or exit-handler registration of any
 * library's constructor (or at the agent's own constructor, whichever is
 * first), so this handler is older than every other, _dl_fini included,
 * and runs last: after the program's atexit handlers, its destructors and
 * every library's.  Only stdio's final flush and _exit follow; the stack
 * above is exit's own, as memcheck sees it at exit_group. */
static void agent_on_exit(int status, void *arg) { agent_exit(status); }

/* The agent's own constructor: tracking starts if it has not yet, and the
 * slow unwinder is loaded (not earlier: its dlopen must not run inside
 * another library's constructor's malloc). */
__attribute__((constructor)) static void agent_constructor(void) {
  if (!got_agent_loaded_at_start()) return; /* dlopen'ed by `leakscope attach`: attach.c starts it */
  agent_start();
  if (state_phase() != AG_ACTIVE) return;
  int was = guard_enter_self(GUARD_AGENT);
  int tls_before = 0, tls_after = 0;
  dl_iterate_phdr(agent_count_tls, &tls_before);
  if (unwind_prime() != 0) sys_warn("libunwind.so.8 not found; comparing with glibc backtrace() instead");
  dl_iterate_phdr(agent_count_tls, &tls_after);
  agent_tls_modules = 1 + tls_after - tls_before;
  if (agent_live_ready) livescan_enable(agent_tls_modules, WORLD_PTRACE_FIRST);
  guard_leave_self(was);
}

size_t agent_dtv_bytes(void) { return (size_t)GLIBC_DTV_ENTRY_SIZE * (size_t)agent_tls_modules; }

/* ---- the end ------------------------------------------------------------------ */

/* The end, from exit (sig 0: status is the exit status) or from a fatal
 * signal (sp: where the stack of the code it stopped begins, 0: here).
 * As under memcheck, glibc's own memory is released only on a normal
 * exit. */
static void agent_finish(int status, int sig, uintptr_t sp) {
  if (state_phase() != AG_ACTIVE || sys_getpid() != ag_state.pid) return;
  static _Atomic int once;
  if (atomic_exchange(&once, 1)) return;
  ag_state.exit_status = sig ? -1 : status & 0xff;
  ag_state.exit_signal = sig;
  uintptr_t self_sp = sp != 0 ? sp : (uintptr_t)__builtin_frame_address(0);
  int leak_check = !options_sample_mode() && ag_opt.leak_check;
  world_thread *threads = NULL;
  int nthreads = 0;
  if (leak_check) {
    int stopping = guard_enter_self(GUARD_AGENT);
    threads = sys_map(AGENT_MAX_THREADS * sizeof *threads);
    nthreads = threads ? world_stop(threads, AGENT_MAX_THREADS, WORLD_SIGNAL_FIRST) : 0;
    guard_leave_self(stopping);
  }
  /* Memory glibc and libstdc++ keep for themselves is released first (in
   * both modes, so that the counts of frees agree); their frees go through
   * the hooks. */
  if (sig == 0 && _ZN9__gnu_cxx9__freeresEv) _ZN9__gnu_cxx9__freeresEv();
  if (sig == 0 && __libc_freeres) __libc_freeres();
  /* nothing the process does from here on is recorded */
  int was = guard_enter_self(GUARD_TABLES);
  if (leak_check) {
    scan_request scan = {threads, nthreads, self_sp, agent_tls_modules, ag_opt.retain, 0, NULL, 0};
    snapwrite("exit", &scan);
    world_release();
  } else {
    snapwrite("exit", NULL);
  }
  atomic_store(&ag_state.phase, AG_DONE);
  guard_leave_self(was);
}

void agent_exit(int status) { agent_finish(status, 0, 0); }

uintptr_t agent_before_exit(void) {
  if (state_phase() == AG_ACTIVE && !options_sample_mode() && ag_opt.leak_check) return threads_clear_dead_stack();
  return 0;
}
