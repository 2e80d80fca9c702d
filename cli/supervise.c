/*
 * supervise.c: starting PROG with the agent preloaded and waiting for it
 * (see supervise.h): where the program and the agent are, the environment
 * the agent reads (LD_PRELOAD, LEAKSCOPE_OPTIONS), fork and exec (an exec
 * failure comes back over a pipe, so it is an error of ours, exit 2),
 * forwarding signals to PROG, the wait, and dying of PROG's signal.
 */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_options.h"
#include "util/msg.h"

static volatile sig_atomic_t supervise_child_pid;

static void supervise_forward_signal(int sig) {
  if (supervise_child_pid > 0) kill((pid_t)supervise_child_pid, sig);
}

int supervise_find_program(const char *prog, char *out, size_t outlen) {
  if (strchr(prog, '/') != NULL) {
    snprintf(out, outlen, "%s", prog);
    if (access(out, X_OK) != 0) return -1;
    struct stat st;
    if (stat(out, &st) != 0) return -1;
    if (S_ISDIR(st.st_mode)) {
      errno = EISDIR;
      return -1;
    }
    return 0;
  }
  const char *path = getenv("PATH");
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  int saw_eacces = 0;
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    snprintf(out, outlen, "%.*s%s%s", (int)n, p, n ? "/" : "", prog);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
      if (access(out, X_OK) == 0) return 0;
      saw_eacces = 1;
    }
    if (colon == NULL) break;
    p = colon + 1;
  }
  errno = saw_eacces ? EACCES : ENOENT;
  return -1;
}

int supervise_find_agent(char *out, size_t outlen) {
  const char *env = getenv("LEAKSCOPE_AGENT");
  if (env != NULL && access(env, R_OK) == 0) {
    snprintf(out, outlen, "%s", env);
    return 0;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = 0;
  char *slash = strrchr(self, '/');
  if (slash == NULL) return -1;
  *slash = 0;
  static const char *const candidates[] = {"%s/libleakscope.so", "%s/../lib/leakscope/libleakscope.so"};
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, candidates[i], self);
    if (access(path, R_OK) == 0 && realpath(path, out) != NULL) return 0;
  }
  (void)outlen;
  return -1;
}

/* Appends ",KEY=VALUE" (printf-style value) to the options being built. */
static void supervise_opt(char *opts, size_t size, int *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void supervise_opt(char *opts, size_t size, int *n, const char *key, const char *fmt, ...) {
  if ((size_t)*n >= size) return;
  *n += snprintf(opts + *n, size - (size_t)*n, "%s%s=", *n ? "," : "", key);
  if ((size_t)*n >= size) return;
  va_list ap;
  va_start(ap, fmt);
  *n += vsnprintf(opts + *n, size - (size_t)*n, fmt, ap);
  va_end(ap);
}

/* LD_PRELOAD and LEAKSCOPE_OPTIONS for the agent in the child.  The agent
 * leaves its warnings in the snapshots (run prints them with the pid) and
 * takes the HTTP server's requests as files in dir (control). */
static void supervise_build_env(const run_options *o, const char *agent, const char *dir, pid_t self,
                                int control) {
  char opts[PATH_MAX + 512];
  size_t size = sizeof opts;
  int n = 0;
  supervise_opt(opts, size, &n, AGENT_KEY(out), "%s/raw.%%p", dir);
  supervise_opt(opts, size, &n, AGENT_KEY(target), "%d", (int)self);
  supervise_opt(opts, size, &n, AGENT_KEY(depth), "%d", o->depth);
  supervise_opt(opts, size, &n, AGENT_KEY(warnings), "snapshot");
  if (o->sample) supervise_opt(opts, size, &n, AGENT_KEY(sample), "%llu", (unsigned long long)o->sample);
  if (o->trace_children) supervise_opt(opts, size, &n, AGENT_KEY(trace_children), "1");
  if (!o->report) supervise_opt(opts, size, &n, AGENT_KEY(retain), "0"); /* only a report shows it */
  double interval = o->interval > 0 ? o->interval : o->trace ? 1 : 0;   /* a trace needs points */
  if (interval > 0) supervise_opt(opts, size, &n, AGENT_KEY(interval), "%.6f", interval);
  if (o->snapshot_signal > 0) supervise_opt(opts, size, &n, AGENT_KEY(control_signal), "%d", o->snapshot_signal);
  if (control) supervise_opt(opts, size, &n, AGENT_KEY(control), "1");
  if (o->watch > 0) supervise_opt(opts, size, &n, AGENT_KEY(watch), "%.6f", o->watch_period);
  if (o->budget)
    supervise_opt(opts, size, &n, AGENT_KEY(budget), "%llu:%s", (unsigned long long)o->budget, o->budget_action);
  if (o->growth_percent > 0) {
    supervise_opt(opts, size, &n, AGENT_KEY(growth), "%.6f", o->growth_percent);
    supervise_opt(opts, size, &n, AGENT_KEY(growth_window), "%.6f", o->growth_window);
  }
  setenv("LEAKSCOPE_OPTIONS", opts, 1);
  const char *old = getenv("LD_PRELOAD");
  char preload[PATH_MAX * 2];
  if (old != NULL && old[0]) snprintf(preload, sizeof preload, "%s:%s", agent, old);
  else snprintf(preload, sizeof preload, "%s", agent);
  setenv("LD_PRELOAD", preload, 1);
}

pid_t supervise_start(const run_options *o, const char *prog, const char *agent, const char *dir,
                      int control) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    errorf("pipe: %s", strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) {
    errorf("fork: %s", strerror(errno));
    return -1;
  }
  if (child == 0) {
    close(ready[0]);
    supervise_build_env(o, agent, dir, getpid(), control);
    execv(prog, o->prog_argv);
    int e = errno;
    if (write(ready[1], &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(ready[1]);
  int exec_errno = 0;
  if (read(ready[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno) {
    close(ready[0]);
    waitpid(child, NULL, 0);
    errorf("cannot run %s: %s", prog, strerror(exec_errno));
    return -1;
  }
  close(ready[0]);

  supervise_child_pid = child;
  struct sigaction sa = {0};
  sa.sa_handler = supervise_forward_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  return child;
}

int supervise_wait(pid_t child, void (*tick)(void *ctx), void *ctx) {
  int status = 0;
  for (;;) {
    pid_t w = waitpid(child, &status, tick ? WNOHANG : 0);
    if (w == child) break;
    if (w < 0 && errno != EINTR) break;
    if (!tick) continue;
    struct timespec nap = {0, 20 * 1000 * 1000};
    tick(ctx);
    nanosleep(&nap, NULL);
  }
  return status;
}

void supervise_die_like(int sig) {
  struct rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  fflush(NULL);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
}
