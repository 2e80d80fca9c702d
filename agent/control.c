/*
 * control.c: the agent's control thread, started only when something may
 * ask for snapshots while the program runs: the supervisor's requests
 * (the control option: files OUT.req.SEQ), the control signal (a user's
 * `kill -SIG` sets a flag this thread polls), periodic snapshots
 * (interval), the leak watch's snapshots (watch, OUT.SEQ.watch every watch
 * seconds, which `leakscope run --watch` reads), or the growth watch
 * (growth, one tick a second).  Working
 * from its own thread, it answers even when the program is idle and never
 * allocates.  Snapshot files are named by
 * snapwrite: OUT.SEQ.REASON.
 *
 * A request is a file OUT.req.SEQ (SEQ from 1 up, renamed into place by
 * the supervisor) holding one letter; the thread looks for the next one
 * every CONTROL_POLL_MS, reads it and removes it, so the agent holds no
 * descriptor while the program runs.  Letters: 'r' a snapshot (OUT.SEQ.request), 'h' a
 * snapshot for the supervisor's HTTP server (OUT.SEQ.http; `leakscope run`
 * leaves those to the server), 'i' an interval snapshot (OUT.SEQ.interval),
 * 's' the statistics only: a small text file OUT.stats (written to
 * OUT.stats.tmp and renamed), cheap enough for every Prometheus scrape:
 *
 *   leakscope-stats 1
 *   pid 1234
 *   mode full                      full | sample
 *   sample_interval 0              mean bytes between samples, 0 in full mode
 *   allocations 100                since start, exact
 *   frees 90                       since start, exact
 *   allocated_bytes 123456         since start, exact
 *   freed_bytes 120000             full mode; 0 in sample mode
 *   live_objects 10                full mode exact, sample mode estimated
 *   live_bytes 3456
 *   snapshots 3                    snapshots written so far
 *   uptime_ns 1500000000
 *   end
 */
#include "control.h"

#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "livescan.h"
#include "options.h"
#include "snapwrite.h"
#include "state.h"
#include "stats.h"
#include "sys.h"
#include "trigger.h"
#include "tstate.h"

/* Write OUT.stats; 0 or -1. */
static int control_write_stats(void) {
  struct leakscope_stats s;
  stats_read(&s);
  char path[600], tmp[640];
  if (sys_expand_path(ag_opt.out, ag_state.pid, path, sizeof path - 8) != 0) return -1;
  snprintf(tmp, sizeof tmp, "%s.stats.tmp", path);
  snprintf(path + strlen(path), 8, ".stats");
  static sys_writer w;
  int fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  sys_writer_open(&w, fd);
  sys_put(&w, "leakscope-stats 1\n");
  sys_put_field(&w, "pid", (uint64_t)s.pid);
  sys_put(&w, s.mode == LEAKSCOPE_MODE_SAMPLE ? "mode sample\n" : "mode full\n");
  sys_put_field(&w, "sample_interval", s.sampling_interval);
  sys_put_field(&w, "allocations", s.allocations_total);
  sys_put_field(&w, "frees", s.frees_total);
  sys_put_field(&w, "allocated_bytes", s.allocated_bytes_total);
  sys_put_field(&w, "freed_bytes", s.freed_bytes_total);
  sys_put_field(&w, "live_objects", s.live_objects);
  sys_put_field(&w, "live_bytes", s.live_bytes);
  sys_put_field(&w, "snapshots", s.snapshots_total);
  sys_put_field(&w, "uptime_ns", s.uptime_ns);
  sys_put(&w, "end\n");
  int rc = sys_flush(&w);
  if (close(fd) != 0) rc = -1;
  if (rc != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Act on one byte from the supervisor. */
static void control_command(char c) {
  if (c == 's') {
    int was = guard_enter_self(GUARD_AGENT);
    if (control_write_stats() != 0) sys_warn("cannot write the statistics file");
    guard_leave_self(was);
  } else {
    snapwrite(c == 'i' ? "interval" : c == 'h' ? "http" : "request", NULL);
  }
}

#define CONTROL_POLL_MS 20     /* with the supervisor's requests */
#define CONTROL_IDLE_MS 100    /* without: the signal flag and the clocks */

static _Atomic int control_requested;
static unsigned control_next_seq = 1;
void (*control_tick_hook)(void);

/* The supervisor's next request: its letter, or 0 when there is none. */
static char control_next_request(void) {
  char path[OPTIONS_PATH_MAX + 48];
  if (sys_expand_path(ag_opt.out, ag_state.pid, path, sizeof path - 32) != 0) return 0;
  snprintf(path + strlen(path), 32, ".req.%u", control_next_seq);
  if (access(path, F_OK) != 0) return 0;
  char letter[4];
  ssize_t n = sys_read_file(path, letter, sizeof letter);
  unlink(path);
  control_next_seq++;
  return n > 0 ? letter[0] : 0;
}

static void *control_main(void *arg) {
  /* signals meant for the program go to its threads; the stop signal still
   * parks this one for the exit scan */
  sigset_t mask;
  sigfillset(&mask);
  sigdelset(&mask, options_stop_signal());
  sigdelset(&mask, SIGSEGV);
  sigdelset(&mask, SIGBUS);
  pthread_sigmask(SIG_BLOCK, &mask, NULL);
  /* its files (requests, snapshots, statistics) in a table of its own */
  if (sys_private_files(ag_opt.warnings != AG_WARNINGS_SNAPSHOT && !ag_opt.quiet) != 0)
    sys_warn("the control thread shares the program's descriptors");
  uint64_t period = (uint64_t)(ag_opt.interval * 1e9);
  uint64_t next = period ? sys_now_ns() + period : 0;
  uint64_t watch_period = (uint64_t)(ag_opt.watch * 1e9);
  uint64_t next_watch = watch_period ? sys_now_ns() + watch_period : 0;
  uint64_t next_tick = ag_opt.growth > 0 ? sys_now_ns() + 1000000000u : 0;
  for (;;) {
    if (control_tick_hook != NULL) control_tick_hook();
    if (state_phase() != AG_ACTIVE) {
      livescan_end();
      return NULL;
    }
    int timeout = ag_opt.control ? CONTROL_POLL_MS : CONTROL_IDLE_MS;
    if (next) {
      uint64_t now = sys_now_ns();
      uint64_t ms = next > now ? (next - now) / 1000000 : 0;
      if (ms < (uint64_t)timeout) timeout = (int)ms;
    }
    if (next_watch) {
      uint64_t now = sys_now_ns();
      uint64_t ms = next_watch > now ? (next_watch - now) / 1000000 : 0;
      if (ms < (uint64_t)timeout) timeout = (int)ms;
    }
    struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};
    nanosleep(&ts, NULL);
    for (char c; ag_opt.control && (c = control_next_request()) != 0;) control_command(c);
    if (ag_opt.control) livescan_poll();
    if (atomic_exchange(&control_requested, 0)) snapwrite("request", NULL);
    if (next && sys_now_ns() >= next) {
      snapwrite("interval", NULL);
      next += period;
    }
    if (next_watch && sys_now_ns() >= next_watch) {
      snapwrite("watch", NULL);
      next_watch += watch_period;
      if (next_watch < sys_now_ns()) next_watch = sys_now_ns() + watch_period; /* no burst after a long one */
    }
    uint64_t now = sys_now_ns();
    if (next_tick && now >= next_tick) {
      trigger_growth_tick(now, stats_live_bytes());
      next_tick += 1000000000u;
      if (next_tick < now) next_tick = now + 1000000000u; /* a long snapshot: no burst of ticks */
    }
  }
}

/* The control signal's handler: the control thread polls the flag. */
static void control_on_signal(int sig) { atomic_store(&control_requested, 1); }

int control_start(void) {
  if (ag_opt.control_signal > 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = control_on_signal;
    sa.sa_flags = SA_RESTART;
    if (sigaction(ag_opt.control_signal, &sa, NULL) != 0) return -1;
  }
  if (!ag_opt.control && ag_opt.control_signal <= 0 && ag_opt.interval <= 0 && ag_opt.growth <= 0 &&
      ag_opt.watch <= 0)
    return 0;
  control_next_seq = 1; /* a second attach's supervisor numbers its requests from 1 again */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t tid;
  int rc = pthread_create(&tid, &attr, control_main, NULL);
  pthread_attr_destroy(&attr);
  return rc == 0 ? 0 : -1;
}
