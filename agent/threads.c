/*
 * threads.c: per-thread state, and stopping the world for the exit scan.
 *
 * Per-thread state holds the thread's recursion guard, its counters
 * (allocations, frees, bytes) and its sampling countdown, so the hot path
 * never writes a shared cache line; readers fold all states.  A state is
 * recycled once its thread is gone (its counters keep counting for the
 * next owner: totals are sums).
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
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "agent.h"

#define THREADS_MAX_STOPPED 8192

/* The agent has no TLS of its own: a module with TLS would grow every
 * thread's DTV, and memcheck counts a live thread's DTV as possibly lost, so
 * the numbers would differ.  A pthread key holds each thread's state. */
static pthread_key_t threads_key;
static int threads_key_ready;
static _Atomic(thread_state *) threads_all;
static int threads_dummy_guard = 1;

#define THREADS_CREATING_SLOTS 64
static _Atomic pid_t threads_creating[THREADS_CREATING_SLOTS];

_Atomic int threads_stop_requested;
static pid_t threads_stopper_tid;
static threads_stopped *threads_table;
static _Atomic int threads_table_len;

static void threads_release(void *arg) {
  thread_state *st = arg;
  atomic_store_explicit((_Atomic int *)&st->in_use, 2, memory_order_release); /* exiting */
}

/* A free state, or one whose thread is gone, or a new one. */
static thread_state *threads_claim(void) {
  for (thread_state *st = atomic_load(&threads_all); st != NULL; st = st->next) {
    int expected = 0;
    if (atomic_compare_exchange_strong((_Atomic int *)&st->in_use, &expected, 1)) return st;
  }
  int checked = 0;
  for (thread_state *st = atomic_load(&threads_all); st != NULL && checked < 16; st = st->next) {
    if (atomic_load((_Atomic int *)&st->in_use) != 2) continue;
    checked++;
    if (syscall(SYS_tgkill, ag_pid, st->tid, 0) == 0) continue; /* still tearing down */
    int expected = 2;
    if (atomic_compare_exchange_strong((_Atomic int *)&st->in_use, &expected, 1)) {
      st->guard = 0;
      return st;
    }
  }
  static _Atomic(char *) pool;
  static _Atomic size_t pool_left;
  char *mem = NULL;
  size_t size = (sizeof(thread_state) + 63) & ~(size_t)63;
  /* a simple bump pool; a race only wastes a chunk */
  size_t left = atomic_fetch_sub(&pool_left, size);
  if (left >= size && left <= (1u << 20)) {
    mem = atomic_load(&pool) + (left - size);
  } else {
    char *chunk = sys_map(1u << 20);
    if (chunk == NULL) return NULL;
    atomic_store(&pool, chunk + size);
    atomic_store(&pool_left, (1u << 20) - 2 * size);
    mem = chunk;
  }
  thread_state *st = (thread_state *)mem;
  st->in_use = 1;
  thread_state *head = atomic_load(&threads_all);
  do {
    st->next = head;
  } while (!atomic_compare_exchange_weak(&threads_all, &head, st));
  return st;
}

int threads_init(void) {
  if (pthread_key_create(&threads_key, threads_release) != 0) return -1;
  threads_key_ready = 1;
  return 0;
}

/* Slow path of threads_self: bind a state to this thread.  While
 * pthread_setspecific runs (it may allocate), this thread is marked as
 * creating and gets no state (so its allocations pass through). */
static thread_state *threads_create(void) {
  pid_t tid = sys_gettid();
  _Atomic pid_t *mark = &threads_creating[(unsigned)tid % THREADS_CREATING_SLOTS];
  if (atomic_load(mark) == tid) return NULL;
  pid_t expected = 0;
  if (!atomic_compare_exchange_strong(mark, &expected, tid)) return NULL; /* slot busy: try later */
  thread_state *st = threads_claim();
  if (st != NULL) {
    st->tid = tid;
    st->guard = 0;
    st->rng = (uint64_t)tid * 0x9e3779b97f4a7c15u ^ sys_now_ns();
    st->until_sample = -1; /* drawn on first use */
    if (pthread_setspecific(threads_key, st) != 0) {
      atomic_store((_Atomic int *)&st->in_use, 0);
      st = NULL;
    }
  }
  atomic_store(mark, 0);
  return st;
}

thread_state *threads_self(void) {
  if (AG_UNLIKELY(!threads_key_ready)) return NULL;
  thread_state *st = pthread_getspecific(threads_key);
  return AG_LIKELY(st != NULL) ? st : threads_create();
}

int *threads_guard_slot(void) {
  thread_state *st = threads_self();
  return st != NULL ? &st->guard : &threads_dummy_guard;
}

static int threads_dummy_in_table = 1;

int *threads_in_table_slot(void) {
  thread_state *st = threads_self();
  return st != NULL ? &st->in_table : &threads_dummy_in_table;
}

void threads_totals(uint64_t *allocs, uint64_t *frees, uint64_t *bytes_allocated,
                    uint64_t *bytes_freed) {
  uint64_t a = 0, f = 0, ba = 0, bf = 0;
  for (thread_state *st = atomic_load(&threads_all); st != NULL; st = st->next) {
    a += st->allocs;
    f += st->frees;
    ba += st->bytes_allocated;
    bf += st->bytes_freed;
  }
  *allocs = a;
  *frees = f;
  *bytes_allocated = ba;
  *bytes_freed = bf;
}

void threads_after_fork_child(void) {
  /* Only this thread exists now; other states are free for reuse. */
  thread_state *self = threads_key_ready ? pthread_getspecific(threads_key) : NULL;
  for (thread_state *st = atomic_load(&threads_all); st != NULL; st = st->next)
    if (st != self) st->in_use = 0;
  for (int i = 0; i < THREADS_CREATING_SLOTS; i++) atomic_store(&threads_creating[i], 0);
  if (self != NULL) self->tid = sys_gettid();
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
  thread_state *self = threads_key_ready ? pthread_getspecific(threads_key) : NULL;
  if (self == NULL || self->guard) return; /* inside the agent: parks at the hook's exit */
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
