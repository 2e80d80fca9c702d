/*
 * livescan.c: the live retention snapshot.  A request is a file OUT.retain.req
 * holding a request id (decimal; the asker renames it into place).  The
 * control thread reads and removes it, stops every other thread
 * (world.c), makes a copy-on-write child with a raw clone that has no exit
 * signal, and lets the threads go at once: the program is stopped for
 * the stop and the copy of its page tables only.  The child scans the
 * copy (scan.c: the roots are the globals, the stacks above each stopped
 * thread's stack pointer, its registers as they were at the stop, TLS and
 * the agent's internal blocks) and writes the snapshot OUT.retain.ID with
 * the retention graph of every block in use (sample mode: the blocks are
 * found by walking glibc's chunks, chunks.c), then leaves with exit_group.
 *
 * The child is invisible to the program: no SIGCHLD, no wait status
 * (only __WCLONE waits see a child without an exit signal, and the
 * control thread waits for this pid alone), no atfork or exit handler
 * (raw system calls), and it dies with the control thread
 * (PR_SET_PDEATHSIG).  One runs at a time: a request while one runs, or
 * that cannot be served, is answered with OUT.retain.ID.err, one line.
 */
#include "livescan.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chunks.h"
#include "options.h"
#include "scan.h"
#include "snapwrite.h"
#include "state.h"
#include "sys.h"
#include "tstate.h"
#include "world.h"

#define LIVESCAN_MAX_THREADS 8192
#define LIVESCAN_TIMEOUT_NS (600ull * 1000000000u) /* a child that takes longer is killed */

static struct {
  int enabled, tls_modules;
  world_how stop;        /* how the threads are stopped for the copy */
  world_thread *threads;
  pid_t child;           /* the running child, 0 if none */
  uint64_t child_started_ns;
  uint64_t stop_started_ns, stop_ns, pause_ns;
  int nthreads;
  pid_t control_tid;     /* the thread that made the child */
} L;

void livescan_enable(int tls_modules, world_how stop) {
  L.enabled = 1;
  L.tls_modules = tls_modules;
  L.stop = stop;
}

/* OUT plus a suffix; 0 or -1. */
static int livescan_path(char *out, size_t len, const char *suffix, unsigned long long id) {
  if (sys_expand_path(ag_opt.out, ag_state.pid, out, len - 48) != 0) return -1;
  size_t at = strlen(out);
  snprintf(out + at, len - at, suffix, id);
  return 0;
}

/* OUT.retain.ID.err: why the request was not served (one line). */
static void livescan_refuse(unsigned long long id, const char *why) {
  char path[OPTIONS_PATH_MAX + 64], tmp[OPTIONS_PATH_MAX + 72];
  if (livescan_path(path, sizeof path, ".retain.%llu.err", id) != 0) return;
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  sys_writer w;
  sys_writer_open(&w, fd);
  sys_put(&w, why);
  sys_putc(&w, '\n');
  int rc = sys_flush(&w);
  if (close(fd) != 0 || rc != 0 || rename(tmp, path) != 0) unlink(tmp);
}

/* The child's own figures, the snapshot's last lines before "end". */
static void livescan_tail(sys_writer *w) {
  sys_put_field(w, "live_pause_ns", L.pause_ns);
  sys_put_field(w, "live_stop_ns", L.stop_ns);
  sys_put_field(w, "live_threads", (uint64_t)L.nthreads);
  sys_put_field(w, "live_scan_ns", sys_now_ns() - L.stop_started_ns - L.pause_ns);
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    sys_put_field(w, "live_scan_cpu_ns", (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u +
                                             (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u);
  }
  /* what the child holds alone: its own memory and the pages either side
   * wrote since the copy */
  static char text[4096];
  if (sys_read_file("/proc/self/smaps_rollup", text, sizeof text) > 0) {
    uint64_t kb = 0;
    for (const char *key = "Private_Clean:"; key != NULL; key = key[8] == 'C' ? "Private_Dirty:" : NULL) {
      const char *at = strstr(text, key);
      if (at == NULL) continue;
      uint64_t v = 0;
      for (at += strlen(key); *at == ' '; at++) {
      }
      for (; *at >= '0' && *at <= '9'; at++) v = v * 10 + (uint64_t)(*at - '0');
      kb += v;
    }
    sys_put_field(w, "live_child_private_kb", kb);
  }
}

/* In the child: scan the copy, write the snapshot, leave. */
static __attribute__((noreturn)) void livescan_child(unsigned long long id) {
  L.pause_ns = sys_now_ns() - L.stop_started_ns;
  syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int rc = 1;
  char path[OPTIONS_PATH_MAX + 64];
  if (getppid() == ag_state.pid && livescan_path(path, sizeof path, ".retain.%llu", id) == 0) {
    scan_request rq = {L.threads, L.nthreads, (uintptr_t)__builtin_frame_address(0), L.tls_modules, 1, 1,
                       options_sample_mode() ? chunks_foreach : NULL, L.control_tid};
    rc = snapwrite_live(path, &rq, livescan_tail) == 0 ? 0 : 1;
  }
  for (;;) syscall(SYS_exit_group, rc);
}

/* Take a snapshot for request id. */
static void livescan_start(unsigned long long id) {
  if (!L.enabled) {
    livescan_refuse(id, "live retention is not available in this process (see the agent's warnings)");
    return;
  }
  if (L.child > 0) {
    livescan_refuse(id, "busy: another retention snapshot is being taken");
    return;
  }
  int was = guard_enter_self(GUARD_AGENT);
  if (L.threads == NULL) L.threads = sys_map(LIVESCAN_MAX_THREADS * sizeof *L.threads);
  if (L.threads == NULL) {
    guard_leave_self(was);
    livescan_refuse(id, "out of memory");
    return;
  }
  L.control_tid = sys_gettid();
  L.stop_started_ns = sys_now_ns();
  L.nthreads = world_stop(L.threads, LIVESCAN_MAX_THREADS, L.stop);
  L.stop_ns = sys_now_ns() - L.stop_started_ns;
  long pid = syscall(SYS_clone, 0L /* no CLONE_VM, no exit signal */, 0L, 0L, 0L, 0L);
  if (pid == 0) livescan_child(id);
  world_resume();
  guard_leave_self(was);
  if (pid < 0) {
    livescan_refuse(id, "cannot make the copy of the process (clone failed)");
    return;
  }
  L.child = (pid_t)pid;
  L.child_started_ns = sys_now_ns();
}

/* The running child: reaped when it is done, killed when it took too long. */
static void livescan_reap(void) {
  int status;
  pid_t r = waitpid(L.child, &status, __WCLONE | WNOHANG);
  if (r == 0 && sys_now_ns() - L.child_started_ns > LIVESCAN_TIMEOUT_NS) {
    kill(L.child, SIGKILL);
    r = waitpid(L.child, &status, __WCLONE);
  }
  if (r != 0) L.child = 0; /* done, or gone (someone else's wait took it) */
}

void livescan_end(void) {
  if (L.child <= 0) return;
  int status;
  kill(L.child, SIGKILL);
  waitpid(L.child, &status, __WCLONE);
  L.child = 0;
}

void livescan_poll(void) {
  if (L.child > 0) livescan_reap();
  char path[OPTIONS_PATH_MAX + 64];
  if (livescan_path(path, sizeof path, ".retain.req", 0) != 0 || access(path, F_OK) != 0) return;
  char text[32];
  ssize_t n = sys_read_file(path, text, sizeof text - 1);
  unlink(path);
  if (n <= 0) return;
  text[n] = 0;
  unsigned long long id = 0;
  const char *p = text;
  for (; *p >= '0' && *p <= '9'; p++) id = id * 10 + (unsigned long long)(*p - '0');
  if (p == text) return; /* not a request */
  livescan_start(id);
}
