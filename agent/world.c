/*
 * world.c: stopping the world for the exit scan and for a live retention
 * snapshot (see world.h; world_resume lets the threads go again: parked
 * ones wait on a generation count, ptraced ones run on when the helper
 * ends).  The live snapshot's stop is ptrace-first: the helper below stops
 * every thread, and the signal is only for those it cannot, since a
 * signal handler cuts short the system calls it interrupts (nanosleep,
 * poll, ...) where ptrace resumes them; in an attached agent (no handler
 * of the stop signal) ptrace alone, and a thread it cannot stop runs on.
 *
 * First with a signal: the scanning thread lists /proc/self/task and sends
 * each other thread the stop signal.  A thread outside the agent saves its
 * registers from the signal context, acknowledges and parks in the handler.
 * A thread inside the agent (it may hold a table's lock or be inside
 * glibc's malloc) only notes the request and parks at its hook's exit.
 *
 * A thread that blocks the stop signal (its mask in /proc/self/task/TID/
 * status says so), or that does not answer in time, is stopped with ptrace
 * instead, as LeakSanitizer does: a helper task made with clone(CLONE_VM)
 * (it shares the process's memory, runs on a stack of the agent's own and
 * makes raw system calls only) seizes and interrupts each such thread,
 * reads its registers, and keeps it stopped until the exit snapshot is
 * written.  A thread the helper finds inside the agent is let go: it parks
 * itself at its hook's exit.  Under Yama's restricted ptrace the process
 * names the helper as its tracer (PR_SET_PTRACER); where ptrace is denied
 * (a container without the capability, a program already being traced),
 * the thread's stack is scanned whole and its registers are not.
 */
#include "world.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/futex.h>

#include "options.h"
#include "sys.h"
#include "tstate.h"

#define WORLD_MAX 8192
#define WORLD_SIGNAL_WAIT_NS (200u * 1000000u)  /* then ptrace the rest */
#define WORLD_STOP_WAIT_NS (1000u * 1000000u)   /* then give up */
#define WORLD_HELPER_STACK (64 * 1024)

_Atomic int world_stop_requested;
static pid_t world_stopper_tid;
static world_thread *world_table;
static _Atomic int world_table_len;
/* Bumped by world_resume: parked threads wait for it to change. */
static _Atomic unsigned world_generation;
/* One stop at a time: the exit scan's waits for a live snapshot's to be
 * resumed (a few milliseconds; 2 s at most, for a forked child that
 * inherited a stop), and never lets go. */
static _Atomic int world_busy;

static world_thread *world_slot_for(pid_t tid) {
  int n = atomic_load(&world_table_len);
  for (int i = 0; i < n; i++)
    if (world_table[i].tid == tid) return &world_table[i];
  return NULL;
}

static void world_mark_stopped(world_thread *slot) {
  atomic_store_explicit((_Atomic int *)&slot->stopped, 1, memory_order_release);
}

static int world_is_stopped(world_thread *slot) {
  return atomic_load_explicit((_Atomic int *)&slot->stopped, memory_order_acquire);
}

/* ---- with a signal ---------------------------------------------------------- */

static long world_syscall(long nr, long a, long b, long c, long d);

/* Fill this thread's slot from its context, then wait for world_resume
 * (or the end of the process). */
static void world_park(const mcontext_t *mc) {
  unsigned generation = atomic_load(&world_generation);
  if (!atomic_load(&world_stop_requested)) return; /* resumed meanwhile */
  world_thread *slot = world_slot_for(sys_gettid());
  if (slot != NULL) {
    slot->nregs = glibc_scan_registers(mc, slot->regs);
    slot->sp = glibc_context_sp(mc);
    slot->dtv_block = glibc_dtv_block();
    slot->tp = glibc_thread_pointer();
    world_mark_stopped(slot);
  }
  while (atomic_load(&world_generation) == generation)
    world_syscall(SYS_futex, (long)&world_generation, FUTEX_WAIT_PRIVATE, (long)generation, 0);
}

static void world_on_stop(int sig, siginfo_t *info, void *context) {
  if (!atomic_load(&world_stop_requested) || world_table == NULL) return;
  if (sys_gettid() == world_stopper_tid) return;
  if (ag_thread.guard != GUARD_NONE) return; /* inside the agent: parks at the hook's exit */
  world_park(&((const ucontext_t *)context)->uc_mcontext);
}

void world_park_slow(void) {
  if (sys_gettid() == world_stopper_tid) return;
  ucontext_t uc;
  getcontext(&uc);
  world_park(&uc.uc_mcontext);
}

int world_install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = world_on_stop;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  return sigaction(options_stop_signal(), &sa, NULL);
}

typedef struct {
  int max, added;
} world_listing;

/* Whether a newly listed thread gets the stop signal (not before the
 * ptrace helper of a ptrace-first stop has had its turn). */
static int world_signal_new;

/* One thread of /proc/self/task: signal it unless it is listed already. */
static int world_list_one(pid_t tid, void *arg) {
  world_listing *l = arg;
  if (tid == world_stopper_tid || world_slot_for(tid) != NULL) return 0;
  int len = atomic_load(&world_table_len);
  if (len >= l->max) return 0;
  world_table[len].tid = tid;
  atomic_store(&world_table_len, len + 1);
  if (sys_tgkill(tid, world_signal_new ? options_stop_signal() : 0) != 0) world_table[len].tid = -1;
  l->added++;
  return 0;
}

/* Add every thread not yet in the table; returns how many were added. */
static int world_list_new(int max) {
  world_listing l = {max, 0};
  sys_foreach_thread(world_list_one, &l);
  return l.added;
}

/* Does thread tid block the stop signal? */
static int world_blocks_stop_signal(pid_t tid) {
  char path[64] = "/proc/self/task/";
  char digits[16];
  int n = 0;
  for (unsigned v = (unsigned)tid; v || n == 0; v /= 10) digits[n++] = (char)('0' + v % 10);
  size_t at = strlen(path);
  while (n > 0) path[at++] = digits[--n];
  memcpy(path + at, "/status", 8);
  static char text[4096]; /* only the stopping thread reads it */
  if (sys_read_file(path, text, sizeof text) <= 0) return 0;
  const char *line = strstr(text, "\nSigBlk:");
  if (line == NULL) return 0;
  line += 8;
  while (*line == ' ' || *line == '\t') line++;
  uint64_t mask = 0;
  for (; *line; line++) {
    int d = *line >= '0' && *line <= '9' ? *line - '0' : *line >= 'a' && *line <= 'f' ? *line - 'a' + 10 : -1;
    if (d < 0) break;
    mask = mask << 4 | (uint64_t)d;
  }
  return (mask >> (options_stop_signal() - 1)) & 1;
}

/* ---- with ptrace ---------------------------------------------------------------- */

/* The helper shares the stopping thread's TLS (no CLONE_SETTLS), so it
 * must not touch errno or anything else of libc's: raw system calls only. */
static long world_syscall(long nr, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}

static struct {
  _Atomic int go;        /* the process named the helper its tracer */
  _Atomic int attached;  /* the helper is done with every thread */
  _Atomic int release;   /* the snapshot is written: the helper may end */
  int failed;            /* threads the helper could not stop */
  intptr_t guard_offset; /* &ag_thread.guard minus the thread pointer, the same in every thread */
  pid_t pid;
  void *stack;
} world_helper;

static void world_futex_wait(_Atomic int *word, int value) {
  struct timespec ts = {0, 10 * 1000000};
  world_syscall(SYS_futex, (long)word, FUTEX_WAIT, value, (long)&ts);
}

static void world_futex_wake(_Atomic int *word) { world_syscall(SYS_futex, (long)word, FUTEX_WAKE, 1 << 30, 0); }

/* The stop cuts short the system call a thread sleeps in: one the kernel
 * restarts by itself (ERESTARTSYS, ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
 * read, futex, nanosleep, poll, ...) goes on when the thread runs again,
 * but a few return EINTR to the program on any interruption, even without
 * a signal handler (signal(7), "Interruption of system calls and library
 * functions by stop signals"): epoll_wait, epoll_pwait, epoll_pwait2,
 * semop, semtimedop, rt_sigtimedwait, which a program without signal
 * handlers never sees fail so (and may not survive).  They are given the
 * kernel's ERESTARTNOHAND instead (include/linux/errno.h): with no signal
 * to handle the kernel restarts them as they were called
 * (arch_do_signal_or_restart), and a signal with a handler still makes
 * them EINTR, as without the stop.  A restarted wait with a timeout waits
 * its whole timeout again (how much of it had passed is not known). */
#define WORLD_ERESTARTNOHAND 514
static int world_restarted_by_hand(long nr) {
  return nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2 || nr == SYS_semop ||
         nr == SYS_semtimedop || nr == SYS_rt_sigtimedwait;
}

/* Stop one thread; 0, or -1 if it cannot be stopped. */
static int world_seize(world_thread *slot) {
  long tid = slot->tid;
  if (world_syscall(SYS_ptrace, PTRACE_SEIZE, tid, 0, 0) != 0) return -1;
  if (world_syscall(SYS_ptrace, PTRACE_INTERRUPT, tid, 0, 0) != 0) return -1;
  int delivering = 0; /* stopped to deliver this signal (not the interrupt): it still must be */
  for (;;) {
    int status = 0;
    long r = world_syscall(SYS_wait4, tid, (long)&status, __WALL, 0);
    if (r == -EINTR) continue;
    if (r != tid) return -1;
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      slot->tid = -1; /* it ended meanwhile */
      return 0;
    }
    if (WIFSTOPPED(status)) {
      if (status >> 16 == 0) delivering = WSTOPSIG(status);
      break;
    }
  }
  struct user_regs_struct regs;
  if (world_syscall(SYS_ptrace, PTRACE_GETREGS, tid, 0, (long)&regs) != 0) return -1;
  uintptr_t tp = (uintptr_t)regs.fs_base;
  if (tp != 0 && *(const int *)(tp + world_helper.guard_offset) != GUARD_NONE) {
    world_syscall(SYS_ptrace, PTRACE_DETACH, tid, 0, delivering); /* inside the agent: it parks itself */
    return 0;
  }
  slot->nregs = glibc_scan_registers_ptrace(&regs, slot->regs);
  slot->sp = (uintptr_t)regs.rsp;
  slot->tp = tp;
  slot->dtv_block = tp ? glibc_dtv_block_of(tp) : 0;
  if ((long)regs.rax == -EINTR && world_restarted_by_hand((long)regs.orig_rax)) {
    regs.rax = (unsigned long long)-WORLD_ERESTARTNOHAND;
    world_syscall(SYS_ptrace, PTRACE_SETREGS, tid, 0, (long)&regs); /* else it stays EINTR */
  }
  world_mark_stopped(slot);
  return 0;
}

static int world_helper_main(void *arg) {
  world_syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
  while (!atomic_load(&world_helper.go)) world_futex_wait(&world_helper.go, 0);
  int n = atomic_load(&world_table_len), failed = 0;
  for (int i = 0; i < n; i++) {
    world_thread *slot = &world_table[i];
    if (slot->tid <= 0 || world_is_stopped(slot)) continue;
    if (world_seize(slot) != 0) failed++;
  }
  world_helper.failed = failed;
  atomic_store(&world_helper.attached, 1);
  world_futex_wake(&world_helper.attached);
  while (!atomic_load(&world_helper.release)) world_futex_wait(&world_helper.release, 0);
  return 0; /* the kernel detaches the threads; the process ends right after */
}

/* Stops the threads still running with ptrace; returns how many could not be. */
static int world_stop_with_ptrace(void) {
  world_helper.guard_offset = (intptr_t)((uintptr_t)&ag_thread.guard - glibc_thread_pointer());
  world_helper.stack = sys_map(WORLD_HELPER_STACK);
  if (world_helper.stack == NULL) return -1;
  long pid = clone(world_helper_main, (char *)world_helper.stack + WORLD_HELPER_STACK,
                   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED, NULL);
  if (pid <= 0) return -1;
  world_helper.pid = (pid_t)pid;
  prctl(PR_SET_PTRACER, pid, 0, 0, 0); /* fails harmlessly without Yama */
  atomic_store(&world_helper.go, 1);
  world_futex_wake(&world_helper.go);
  uint64_t deadline = sys_now_ns() + WORLD_STOP_WAIT_NS;
  while (!atomic_load(&world_helper.attached) && sys_now_ns() < deadline)
    world_futex_wait(&world_helper.attached, 0);
  return atomic_load(&world_helper.attached) ? world_helper.failed : -1;
}

void world_release(void) {
  if (world_helper.pid <= 0) return;
  atomic_store(&world_helper.release, 1);
  world_futex_wake(&world_helper.release);
  int status;
  waitpid(world_helper.pid, &status, __WALL);
  world_helper.pid = 0;
}

void world_resume(void) {
  world_release(); /* the helper's end detaches the threads it holds: they run on */
  if (world_helper.stack != NULL) sys_unmap(world_helper.stack, WORLD_HELPER_STACK);
  memset(&world_helper, 0, sizeof world_helper);
  atomic_store(&world_stop_requested, 0);
  atomic_fetch_add(&world_generation, 1);
  world_syscall(SYS_futex, (long)&world_generation, FUTEX_WAKE_PRIVATE, 1 << 30, 0);
  atomic_store(&world_busy, 0);
}

/* ---- both ------------------------------------------------------------------------- */

/* Threads that have not stopped (and still exist); *blocking: how many of
 * them block the stop signal. */
static int world_pending(int n, int *blocking) {
  int pending = 0;
  *blocking = 0;
  for (int i = 0; i < n; i++) {
    world_thread *t = &world_table[i];
    if (t->tid <= 0 || world_is_stopped(t)) continue;
    if (sys_tgkill(t->tid, 0) != 0) { /* it exited meanwhile */
      t->tid = -1;
      continue;
    }
    pending++;
    if (world_blocks_stop_signal(t->tid)) (*blocking)++;
  }
  return pending;
}

/* A ptrace-first stop whose helper could not stop every thread: the
 * stop signal for the rest (a thread the helper let go inside the agent
 * ignores it and parks at its hook's exit). */
static void world_signal_pending(int n) {
  for (int i = 0; i < n; i++) {
    world_thread *t = &world_table[i];
    if (t->tid > 0 && !world_is_stopped(t) && sys_tgkill(t->tid, options_stop_signal()) != 0) t->tid = -1;
  }
}

int world_stop(world_thread *out, int max, world_how how) {
  if (max > WORLD_MAX) max = WORLD_MAX;
  for (int waited = 0; atomic_exchange(&world_busy, 1) && waited < 2000; waited++) { /* 2 s at most */
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  world_table = out;
  memset(out, 0, sizeof *out * (size_t)max);
  world_stopper_tid = sys_gettid();
  atomic_store(&world_table_len, 0);
  atomic_store(&world_stop_requested, 1);
  world_signal_new = how == WORLD_SIGNAL_FIRST;
  /* keep listing until no new thread appears (threads may be starting) */
  for (int round = 0; round < 30 && world_list_new(max) > 0; round++) {
  }
  uint64_t start = sys_now_ns();
  int used_ptrace = 0;
  if (how != WORLD_SIGNAL_FIRST) { /* ptrace resumes the system calls it interrupts, a signal handler does not */
    used_ptrace = 1;
    int failed = world_stop_with_ptrace();
    if (how == WORLD_PTRACE_ONLY && failed != 0) {
      sys_warn("some threads could not be stopped with ptrace; their stacks are scanned whole");
      return atomic_load(&world_table_len);
    }
    world_signal_new = how == WORLD_PTRACE_FIRST;
    if (failed != 0) world_signal_pending(atomic_load(&world_table_len));
  }
  for (;;) {
    int n = atomic_load(&world_table_len), blocking;
    int pending = world_pending(n, &blocking);
    if (pending == 0) break;
    uint64_t now = sys_now_ns();
    if (!used_ptrace && (pending == blocking || now - start > WORLD_SIGNAL_WAIT_NS)) {
      used_ptrace = 1;
      int failed = world_stop_with_ptrace();
      if (failed != 0) {
        sys_warn("some threads could not be stopped for the leak scan; their stacks are scanned whole");
        break;
      }
      continue; /* threads let go inside the agent park themselves */
    }
    if (now - start > WORLD_STOP_WAIT_NS) {
      sys_warn("some threads did not stop for the leak scan; their stacks are scanned whole");
      break;
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    if (world_list_new(max) > 0) continue;
  }
  return atomic_load(&world_table_len);
}
