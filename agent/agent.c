/*
 * agent.c: the agent's life: its state, initialization in the constructor
 * (allocations before it pass through untracked), fork handlers, the budget,
 * and the exit sequence run from the last exit handler (or from _exit):
 * stop the other threads, let glibc and libstdc++ release
 * their own memory as memcheck does (__libc_freeres, __gnu_cxx::__freeres),
 * scan, and write the exit snapshot.
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent.h"

_Atomic int ag_state = AG_UNINIT;
uintptr_t ag_free_fast_mask;
pid_t ag_pid;
uint64_t ag_start_ns;
_Atomic int ag_snapshot_requested;
int ag_exit_status = -1;
int ag_init_tables_ready;
int ag_tls_modules = 1;
size_t ag_static_tls_size;

static int agent_count_tls(struct dl_phdr_info *info, size_t size, void *arg) {
  if (info->dlpi_tls_modid != 0) ++*(int *)arg;
  return 0;
}

extern void __libc_freeres(void) __attribute__((weak));
extern void _ZN9__gnu_cxx9__freeresEv(void) __attribute__((weak));

#define AGENT_MAX_THREADS 8192

static void agent_fork_prepare(void) {
  ag_guard = 1;
  ag_in_table = 1;
  if (atomic_load(&ag_state) != AG_ACTIVE) return;
  stacktab_lock_all();
  live_lock_all();
  sampler_lock();
}

static void agent_fork_parent(void) {
  if (atomic_load(&ag_state) == AG_ACTIVE) {
    sampler_unlock();
    live_unlock_all();
    stacktab_unlock_all();
  }
  ag_in_table = 0;
  ag_guard = 0;
}

static void agent_fork_child(void) {
  live_reset_locks();
  sampler_reset_lock();
  stacktab_unlock_all();
  ag_pid = sys_getpid();
  threads_after_fork_child();
  atomic_store(&ag_snapshot_requested, 0);
  ag_in_table = 0;
  ag_guard = 0;
}

/* The control thread polls the flag. */
static void agent_on_control_signal(int sig) { atomic_store(&ag_snapshot_requested, 1); }

void agent_init(void) {
  int expected = AG_UNINIT;
  if (!atomic_compare_exchange_strong(&ag_state, &expected, AG_INITIALIZING)) return;
  options_parse(getenv("LEAKSCOPE_OPTIONS"));
  ag_pid = sys_getpid();
  ag_start_ns = sys_now_ns();
  if (ag_opt.target_pid != 0 && ag_opt.target_pid != ag_pid && !ag_opt.trace_children) {
    atomic_store(&ag_state, AG_OFF); /* an exec'd program: not traced unless asked */
    return;
  }
  if (stacktab_init() != 0 || live_init() != 0 || sampler_init() != 0 || threads_init() != 0) {
    sys_warn("cannot set up the agent's tables; tracking is off");
    atomic_store(&ag_state, AG_OFF);
    return;
  }
  /* From here the init thread's own allocations (libunwind's dlopen, the
   * control thread) are internal blocks: scanned as roots, never reported. */
  ag_init_tables_ready = 1;
  ag_guard = 1;
  int tls_before = 0, tls_after = 0;
  dl_iterate_phdr(agent_count_tls, &tls_before);
  unwind_init();
  dl_iterate_phdr(agent_count_tls, &tls_after);
  ag_tls_modules = 1 + tls_after - tls_before;
  /* ld.so's (GLIBC_PRIVATE) answer, for naming TLS roots; dlsym may allocate: an internal block */
  void (*tls_static_info)(size_t *, size_t *) =
      (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
  size_t tls_align = 0;
  if (tls_static_info != NULL) tls_static_info(&ag_static_tls_size, &tls_align);
  if (!ag_opt.sample_mode && ag_opt.leak_check && threads_install_handlers() != 0)
    sys_warn("cannot install the thread-stop handler; the leak scan will not stop threads");
  if (ag_opt.control_signal > 0) {
    struct sigaction sa = {0};
    sa.sa_handler = agent_on_control_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(ag_opt.control_signal, &sa, NULL);
  }
  pthread_atfork(agent_fork_prepare, agent_fork_parent, agent_fork_child);
  atomic_store(&ag_state, AG_ACTIVE);
  ag_free_fast_mask = ag_opt.sample_mode ? AG_SAMPLE_ALIGN - 1 : 0;
  if (control_start() != 0) sys_warn("cannot start the control thread; no snapshots on request");
  ag_guard = 0;
}

/* The exit sequence runs from an on_exit handler registered in the
 * constructor: ld.so runs preloaded constructors before the program starts,
 * so this handler is older than every other, _dl_fini included, and runs
 * last: after the program's atexit handlers, its destructors and every
 * library's.  Only stdio's final flush and _exit follow; the stack above is
 * exit's own, as memcheck sees it at exit_group. */
static void agent_on_exit(int status, void *arg) {
  ag_exit_status = status & 0xff;
  agent_exit_sequence();
}

__attribute__((constructor)) static void agent_constructor(void) {
  agent_init();
  if (atomic_load(&ag_state) == AG_ACTIVE) on_exit(agent_on_exit, NULL);
}


void agent_snapshot(const char *reason) {
  int saved = ag_guard, saved_in_table = ag_in_table;
  ag_guard = 1;
  ag_in_table = 1;
  snapwrite(reason, NULL, 0, 0, 0);
  ag_in_table = saved_in_table;
  ag_guard = saved;
}

uint64_t agent_live_bytes(void) {
  if (ag_opt.sample_mode) return sampler_live_bytes();
  uint64_t a, f, ba, bf;
  threads_totals(&a, &f, &ba, &bf);
  return ba > bf ? ba - bf : 0;
}

void agent_check_budget(void) {
  static _Atomic int over;
  uint64_t live = agent_live_bytes();
  if (live <= ag_opt.budget_bytes) {
    atomic_store(&over, 0); /* armed again once back under the budget */
    return;
  }
  if (atomic_exchange(&over, 1)) return;
  sys_warn("the live heap passed the budget");
  if (ag_opt.budget_action == AG_BUDGET_WARN) return;
  agent_snapshot("budget");
  if (ag_opt.budget_action == AG_BUDGET_ABORT) {
    sys_warn("aborting: live heap over budget (--budget ...,abort)");
    abort();
  }
}

void agent_exit_sequence(void) {
  if (atomic_load(&ag_state) != AG_ACTIVE || sys_getpid() != ag_pid) return;
  static _Atomic int once;
  if (atomic_exchange(&once, 1)) return;
  uintptr_t self_sp = (uintptr_t)__builtin_frame_address(0);
  if (!ag_opt.sample_mode && ag_opt.leak_check) {
    ag_guard = 1;
    threads_stopped *threads = sys_map(AGENT_MAX_THREADS * sizeof *threads);
    int n = threads ? threads_stop_world(threads, AGENT_MAX_THREADS) : 0;
    ag_guard = 0;
    /* Memory glibc and libstdc++ keep for themselves is released first, as
     * under memcheck; their frees go through the hooks. */
    if (_ZN9__gnu_cxx9__freeresEv) _ZN9__gnu_cxx9__freeresEv();
    if (__libc_freeres) __libc_freeres();
    ag_guard = 1;
    ag_in_table = 1;
    snapwrite("exit", threads, n, self_sp, 1);
  } else {
    ag_guard = 1;
    ag_in_table = 1;
    snapwrite("exit", NULL, 0, 0, 0);
  }
  ag_free_fast_mask = 0;
  atomic_store(&ag_state, AG_DONE);
  ag_in_table = 0;
  ag_guard = 0;
}
