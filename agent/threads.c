/*
 * threads.c: per-thread state, and stopping the world for the exit scan.
 *
 * Per-thread state holds the thread's recursion guard, its counters
 * (allocations, frees, bytes) and its sampling countdown, so the hot path
 * never writes a shared cache line; readers fold all states.
 *
 * Stopping the world: the scanning thread lists /proc/self/task and sends
 * each other thread the stop signal.  A thread outside the agent saves its
 * registers from the signal context, acknowledges and parks in the handler.
 * A thread inside the agent (it may hold a shard lock or be inside glibc's
 * malloc) only notes the request and parks at its hook's exit.  Parked
 * threads never resume: the process is exiting.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "agent.h"

#define THREADS_MAX_STOPPED 8192

/* The state is initial-exec TLS: one fs-relative access on the hot path.
 * Threads register on first use (into a list readers fold, under a lock
 * taken only at thread start and end); a pthread key's destructor folds a
 * finished thread's counters into the retired totals and unlinks it, so
 * totals never go down and a dead thread's TLS is never read.
 * (The agent's TLS module adds one entry to every thread's DTV; scan.c
 * subtracts it where memcheck would see the DTV.) */
__thread thread_state ag_thread __attribute__((tls_model("initial-exec")));
static thread_state *threads_all;
static _Atomic int threads_registry_lock;
static pthread_key_t threads_key;
static int threads_key_ready;
static uint64_t threads_retired[4]; /* allocs, frees, bytes allocated, bytes freed */

_Atomic int threads_stop_requested;
static pid_t threads_stopper_tid;
static threads_stopped *threads_table;
static _Atomic int threads_table_len;

static void threads_registry_acquire(void) {
  while (atomic_exchange_explicit(&threads_registry_lock, 1, memory_order_acquire)) sched_yield();
}

static void threads_registry_release(void) {
  atomic_store_explicit(&threads_registry_lock, 0, memory_order_release);
}

/* The thread is ending: fold its counts and take it off the list (its TLS
 * goes away with its stack).  It stays "registered", so what it still does
 * on the way out is not registered again (nor counted). */
static void threads_release(void *arg) {
  thread_state *st = arg;
  threads_registry_acquire();
  threads_retired[0] += st->allocs;
  threads_retired[1] += st->frees;
  threads_retired[2] += st->bytes_allocated;
  if (ag_opt.sample_mode) threads_retired[2] += st->sample_gap - st->until_sample;
  threads_retired[3] += st->bytes_freed;
  st->allocs = st->frees = st->bytes_allocated = st->bytes_freed = 0;
  st->sample_gap = st->until_sample;
  for (thread_state **link = &threads_all; *link != NULL; link = &(*link)->next) {
    if (*link == st) {
      *link = st->next;
      break;
    }
  }
  threads_registry_release();
}

int threads_init(void) {
  if (pthread_key_create(&threads_key, threads_release) != 0) return -1;
  threads_key_ready = 1;
  return 0;
}

/* Slow path of threads_self: the first call on a thread. */
void threads_register(thread_state *st) {
  st->registered = 1;
  st->tid = sys_gettid();
  st->rng = (uint64_t)st->tid * 0x9e3779b97f4a7c15u ^ sys_now_ns();
  st->sample_gap = st->until_sample = ag_opt.sample_mode ? (uint64_t)sampler_next_gap() + 1 : 0;
  int saved_guard = st->guard;
  st->guard = 1; /* pthread_setspecific may allocate: an internal block */
  if (threads_key_ready) pthread_setspecific(threads_key, st);
  st->guard = saved_guard;
  threads_registry_acquire();
  st->next = threads_all;
  threads_all = st;
  threads_registry_release();
}

int *threads_guard_slot(void) { return &threads_self()->guard; }

int *threads_in_table_slot(void) { return &threads_self()->in_table; }

void threads_totals(uint64_t *allocs, uint64_t *frees, uint64_t *bytes_allocated,
                    uint64_t *bytes_freed) {
  threads_registry_acquire();
  uint64_t a = threads_retired[0], f = threads_retired[1], ba = threads_retired[2],
           bf = threads_retired[3];
  for (thread_state *st = threads_all; st != NULL; st = st->next) {
    a += st->allocs;
    f += st->frees;
    ba += st->bytes_allocated;
    if (ag_opt.sample_mode) ba += st->sample_gap - st->until_sample; /* this gap so far */
    bf += st->bytes_freed;
  }
  threads_registry_release();
  *allocs = a;
  *frees = f;
  *bytes_allocated = ba;
  *bytes_freed = bf;
}

void threads_after_fork_child(void) {
  /* Only this thread exists now: the others' counts become retired. */
  atomic_store(&threads_registry_lock, 0);
  thread_state *self = &ag_thread;
  for (thread_state *st = threads_all; st != NULL; st = st->next) {
    if (st == self) continue;
    threads_retired[0] += st->allocs;
    threads_retired[1] += st->frees;
    threads_retired[2] += st->bytes_allocated;
    threads_retired[3] += st->bytes_freed;
  }
  threads_all = self->registered ? self : NULL;
  if (self->registered) {
    self->next = NULL;
    self->tid = sys_gettid();
  }
}

uintptr_t threads_pointer(void) {
  uintptr_t tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp)); /* tcbhead_t.tcb: the TCB's own address */
  return tp;
}

uintptr_t threads_dtv_block(void) {
  uintptr_t dtv;
  __asm__("mov %%fs:8, %0" : "=r"(dtv)); /* tcbhead_t.dtv: &calloc'ed block[1] */
  return dtv ? dtv - 16 : 0;
}

/* ---- stopping the world ------------------------------------------------ */

static threads_stopped *threads_slot_for(pid_t tid) {
  int n = atomic_load(&threads_table_len);
  for (int i = 0; i < n; i++)
    if (threads_table[i].tid == tid) return &threads_table[i];
  return NULL;
}

static void threads_park(void) {
  for (;;) pause();
}

static void threads_on_stop(int sig, siginfo_t *info, void *context) {
  if (!atomic_load(&threads_stop_requested) || threads_table == NULL) return;
  pid_t tid = sys_gettid();
  if (tid == threads_stopper_tid) return;
  if (ag_thread.guard) return; /* inside the agent: parks at the hook's exit */
  threads_stopped *slot = threads_slot_for(tid);
  if (slot != NULL) {
    const ucontext_t *uc = context;
    static const int regs[] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI,
                               REG_RBP, REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12,
                               REG_R13, REG_R14, REG_R15};
    for (unsigned i = 0; i < sizeof regs / sizeof *regs; i++)
      slot->regs[i] = (uintptr_t)uc->uc_mcontext.gregs[regs[i]];
    slot->nregs = (int)(sizeof regs / sizeof *regs);
    slot->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    slot->dtv_block = threads_dtv_block();
    slot->tp = threads_pointer();
    atomic_store_explicit((_Atomic int *)&slot->stopped, 1, memory_order_release);
  }
  threads_park();
}

void threads_park_if_requested(void) {
  if (AG_LIKELY(!atomic_load_explicit(&threads_stop_requested, memory_order_relaxed))) return;
  pid_t tid = sys_gettid();
  if (tid == threads_stopper_tid) return;
  threads_stopped *slot = threads_slot_for(tid);
  if (slot != NULL) {
    ucontext_t uc;
    getcontext(&uc);
    static const int regs[] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI,
                               REG_RBP, REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12,
                               REG_R13, REG_R14, REG_R15};
    for (unsigned i = 0; i < sizeof regs / sizeof *regs; i++)
      slot->regs[i] = (uintptr_t)uc.uc_mcontext.gregs[regs[i]];
    slot->nregs = (int)(sizeof regs / sizeof *regs);
    slot->sp = (uintptr_t)uc.uc_mcontext.gregs[REG_RSP];
    slot->dtv_block = threads_dtv_block();
    slot->tp = threads_pointer();
    atomic_store_explicit((_Atomic int *)&slot->stopped, 1, memory_order_release);
  }
  threads_park();
}

int threads_install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = threads_on_stop;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  return sigaction(ag_opt.stop_signal, &sa, NULL);
}

struct threads_dirent {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Add every thread of /proc/self/task not yet in the table; returns how many were added. */
static int threads_list_new(int max) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  int added = 0;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct threads_dirent *d = (struct threads_dirent *)(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      pid_t tid = 0;
      for (const char *c = d->d_name; *c; c++) tid = tid * 10 + (*c - '0');
      if (tid == threads_stopper_tid || threads_slot_for(tid) != NULL) continue;
      int len = atomic_load(&threads_table_len);
      if (len >= max) continue;
      threads_table[len].tid = tid;
      atomic_store(&threads_table_len, len + 1);
      if (syscall(SYS_tgkill, ag_pid, tid, ag_opt.stop_signal) != 0) threads_table[len].tid = -1;
      added++;
    }
  }
  close(fd);
  return added;
}

int threads_stop_world(threads_stopped *out, int max) {
  if (max > THREADS_MAX_STOPPED) max = THREADS_MAX_STOPPED;
  threads_table = out;
  memset(out, 0, sizeof *out * (size_t)max);
  threads_stopper_tid = sys_gettid();
  atomic_store(&threads_table_len, 0);
  atomic_store(&threads_stop_requested, 1);
  /* keep listing until no new thread appears (threads may be starting) */
  for (int round = 0; round < 30 && threads_list_new(max) > 0; round++) {
  }
  uint64_t deadline = sys_now_ns() + 500u * 1000000u;
  int n = atomic_load(&threads_table_len);
  for (;;) {
    int pending = 0;
    for (int i = 0; i < n; i++) {
      if (out[i].tid <= 0 || atomic_load((_Atomic int *)&out[i].stopped)) continue;
      /* a thread that exited meanwhile no longer counts */
      if (syscall(SYS_tgkill, ag_pid, out[i].tid, 0) != 0) {
        out[i].tid = -1;
        continue;
      }
      pending++;
    }
    if (pending == 0) break;
    if (sys_now_ns() > deadline) {
      sys_warn("some threads did not stop for the leak scan; their stacks are scanned whole");
      break;
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    if (threads_list_new(max) > 0) n = atomic_load(&threads_table_len);
  }
  return atomic_load(&threads_table_len);
}
