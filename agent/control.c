/*
 * control.c: the agent's control thread, started only when something may
 * ask for snapshots while the program runs: the supervisor's control pipe
 * (control_fd, one byte = one snapshot), the control signal (a user's
 * `kill -SIG` sets a flag this thread polls), or periodic snapshots
 * (interval).  Working from its own thread, it answers even when the
 * program is idle and never allocates.  Snapshot files are named by
 * snapwrite: OUT.SEQ.REASON.
 */
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "agent.h"

static void *control_main(void *arg) {
  int fd = ag_opt.control_fd;
  uint64_t period = (uint64_t)(ag_opt.interval_seconds * 1e9);
  uint64_t next = period ? sys_now_ns() + period : 0;
  for (;;) {
    if (atomic_load(&ag_state) != AG_ACTIVE) return NULL;
    struct pollfd p = {fd, POLLIN, 0};
    int timeout = 100;
    if (next) {
      uint64_t now = sys_now_ns();
      uint64_t ms = next > now ? (next - now) / 1000000 : 0;
      if (ms < (uint64_t)timeout) timeout = (int)ms;
    }
    int ready = poll(&p, fd >= 0 ? 1 : 0, timeout);
    if (ready > 0 && (p.revents & (POLLIN | POLLHUP))) {
      char c;
      if (read(fd, &c, 1) == 1) agent_snapshot(c == 'i' ? "interval" : "request");
      else fd = -1; /* the supervisor is gone */
    }
    if (atomic_exchange(&ag_snapshot_requested, 0)) agent_snapshot("request");
    if (next && sys_now_ns() >= next) {
      agent_snapshot("interval");
      next += period;
    }
  }
}

int control_start(void) {
  if (ag_opt.control_fd < 0 && ag_opt.control_signal <= 0 && ag_opt.interval_seconds <= 0) return 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t tid;
  int rc = pthread_create(&tid, &attr, control_main, NULL);
  pthread_attr_destroy(&attr);
  return rc == 0 ? 0 : -1;
}
