/*
 * attach.c: `leakscope attach [OPTIONS] PID`: profile a program that is
 * already running, in sample mode, from now until the detach.  The agent
 * is loaded into it with ptrace (inject.c), told its options through a
 * file, and redirects the malloc family of every loaded object to itself
 * (agent/attach.c); this command then collects the periodic snapshots,
 * serves --http, and at the end (--duration, Ctrl-C, SIGTERM, or the
 * program's exit) detaches it and writes the profile.
 *
 * The run's private directory holds the options file, the agent's
 * snapshots and two locks: DIR/lock, which this command holds for as long
 * as the agent is to stay attached (the agent detaches itself when no one
 * holds it, so a killed leakscope does not leave it attached, and removes
 * the directory then; a detach on purpose leaves DIR/detach first), and the
 * well-known /tmp/leakscope-attach.PID.lock, held by whichever leakscope is
 * attached to PID, so a second one says so instead of attaching twice.
 * Everything that can go wrong before the attach is one line and exit 2,
 * with the program untouched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent_options.h"
#include "attach.h"
#include "commands.h"
#include "http/http.h"
#include "inject.h"
#include "leakwatch.h"
#include "model/sample_type.h"
#include "pipeline/prepare.h"
#include "render/pprof_write.h"
#include "render/text.h"
#include "render/top.h"
#include "supervise.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/outfile.h"
#include "util/size.h"

enum { AT_SAMPLE, AT_PROFILE, AT_INTERVAL, AT_HTTP, AT_DURATION, AT_DEPTH, AT_OUTPUT_DIR, AT_WATCH, AT_WATCH_PERIOD };
const opt_spec cmd_attach_opts[] = {
    [AT_SAMPLE] = {"--sample", OPT_EQUALS, "[=BYTES]",
                   "mean sampling interval (default 512K; attach is always sampled)"},
    [AT_PROFILE] = {"--profile", OPT_VALUE, " FILE", "pprof heap profile at detach (%p in FILE = pid)"},
    [AT_INTERVAL] = {"--interval", OPT_VALUE, " SECONDS", "also write a profile every SECONDS (FILE.N.pb.gz)"},
    [AT_HTTP] = {"--http", OPT_VALUE, " ADDR:PORT", "serve /debug/pprof/heap and /metrics while attached"},
    [AT_DURATION] = {"--duration", OPT_VALUE, " SECONDS", "detach after SECONDS (default: at Ctrl-C or SIGTERM)"},
    [AT_DEPTH] = {"--depth", OPT_VALUE, " N", "stack frames kept per allocation (default 24, max 64)"},
    [AT_OUTPUT_DIR] = {"--output-dir", OPT_VALUE, " DIR",
                       "where --http keeps its last profile (default the temporary directory)"},
    [AT_WATCH] = {"--watch", OPT_EQUALS, "[=SECONDS]",
                  "name the allocation sites whose live bytes keep rising through\n"
                  "a window of SECONDS (default 60) while attached"},
    /* the watch's snapshot period (default a thirtieth of the window), for tests */
    [AT_WATCH_PERIOD] = {"--watch-period", OPT_VALUE | OPT_HIDDEN, NULL, NULL},
    {NULL, 0, NULL, NULL},
};

#define ATTACH_POLL_MS 20
#define ATTACH_DETACH_WAIT_MS 5000
#define ATTACH_BUSY_RETRY_MS 1000

typedef struct {
  uint64_t sample;
  const char *profile, *http, *output_dir;
  double interval, duration;
  double watch, watch_period; /* --watch: the window, 0: none (see leakwatch.h) */
  int watch_announce;         /* --watch given (--http alone watches silently) */
  int depth;
  pid_t pid;
} attach_options;

static volatile sig_atomic_t attach_stop_signal;

static void attach_on_signal(int sig) { attach_stop_signal = sig; }

static uint64_t attach_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void attach_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

/* ---- options ------------------------------------------------------------------- */

/* Whether a is a size other than 0 (a --sample value given apart). */
static int attach_is_size(const char *a) {
  uint64_t bytes;
  return size_parse(a, &bytes) == 0 && bytes > 0;
}

static int attach_seconds(const char *name, const char *v, double *out) {
  char *end;
  *out = strtod(v, &end);
  if (*end != 0 || !(*out > 0) || *out > 1e7) {
    errorf("bad %s value '%s' (want SECONDS > 0)", name, v);
    return -1;
  }
  return 0;
}

static int attach_parse_options(int argc, char **argv, attach_options *o) {
  memset(o, 0, sizeof *o);
  o->sample = 512 * 1024;
  o->depth = 24;
  const char *pid = NULL;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "--") == 0 && i + 1 < argc) {
      if (pid != NULL || i + 2 < argc) {
        errorf("attach takes one PID (see leakscope attach --help)");
        return -1;
      }
      pid = argv[++i];
      continue;
    }
    switch (opt_next(cmd_attach_opts, argc, argv, &i, "attach", &v)) {
    case OPT_BAD: return -1;
    case OPT_UNKNOWN:
      opt_unknown(cmd_attach_opts, "attach", a);
      return -1;
    case OPT_ARG:
      if (i > 0 && strcmp(argv[i - 1], "--sample") == 0 && attach_is_size(a) && strchr("kKmMgG", a[strlen(a) - 1])) {
        errorf("attach: --sample takes its value as --sample=%s", a); /* "--sample 64K PID" */
        return -1;
      }
      if (pid != NULL) {
        errorf("attach takes one PID, not '%s' and '%s'", pid, a);
        return -1;
      }
      pid = a;
      break;
    case AT_SAMPLE:
      if (v != NULL) {
        if (size_parse(v, &o->sample) != 0 || o->sample == 0) {
          errorf("bad --sample value '%s' (want BYTES, e.g. 512K)", v);
          return -1;
        }
      }
      break;
    case AT_PROFILE: o->profile = v; break;
    case AT_HTTP: o->http = v; break;
    case AT_INTERVAL:
      if (attach_seconds("--interval", v, &o->interval) != 0) return -1;
      break;
    case AT_DURATION:
      if (attach_seconds("--duration", v, &o->duration) != 0) return -1;
      break;
    case AT_OUTPUT_DIR: o->output_dir = v; break;
    case AT_WATCH:
      if (leakwatch_parse_window(v, &o->watch) != 0) return -1;
      break;
    case AT_WATCH_PERIOD:
      if (leakwatch_parse_period(v, &o->watch_period) != 0) return -1;
      break;
    case AT_DEPTH: {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end != 0 || n < 1 || n > 64) {
        errorf("bad --depth value '%s' (want 1..64)", v);
        return -1;
      }
      o->depth = (int)n;
      break;
    }
    }
  }
  if (pid == NULL) {
    errorf("no PID given (leakscope attach [OPTIONS] PID)");
    return -1;
  }
  char *end;
  long n = strtol(pid, &end, 10);
  if (*pid == 0 || *end != 0 || n <= 0 || n > INT32_MAX) {
    errorf("bad PID '%s' (want a process id)", pid);
    return -1;
  }
  o->pid = (pid_t)n;
  if (o->interval > 0 && o->profile == NULL) {
    errorf("--interval needs --profile FILE (where the profiles go)");
    return -1;
  }
  return leakwatch_settle(o->http != NULL, &o->watch, &o->watch_period, &o->watch_announce);
}

/* ---- names ------------------------------------------------------------------------ */

/* NAME.pb.gz -> NAME.N.pb.gz, otherwise NAME.N (as run's periodic profiles). */
static void attach_numbered(const char *pattern, int pid, int seq, char *out, size_t outlen) {
  char base[PATH_MAX - 16];
  outfile_expand_pid(pattern, pid, base, sizeof base);
  size_t n = strlen(base);
  if (n > 6 && strcmp(base + n - 6, ".pb.gz") == 0) snprintf(out, outlen, "%.*s.%d.pb.gz", (int)(n - 6), base, seq);
  else snprintf(out, outlen, "%s.%d", base, seq);
}

static int attach_check_writable(const char *pattern, int pid) {
  char path[PATH_MAX], tmp[PATH_MAX + 32];
  outfile_expand_pid(pattern, pid, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.leakscope-probe", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return -1;
  close(fd);
  unlink(tmp);
  return 0;
}

/* ---- the run's directory ----------------------------------------------------------- */

typedef struct {
  const attach_options *o;
  char dir[64];
  char lock[PATH_MAX];        /* DIR/lock: the agent stays while we hold it */
  int lock_fd;
  char pid_lock[64];          /* /tmp/leakscope-attach.PID.lock: one leakscope per target */
  int pid_lock_fd;
  int pidfd;                  /* the target, to see it exit */
  int seq;                    /* the last numbered profile */
  uint64_t attached_ns;
  leakwatch *watch;           /* --http: the leak watch behind /metrics' suspects, else NULL */
} attach_run;

static void attach_remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* The well-known lock of the target: 0, or -1 after one line (another
 * leakscope holds it). */
static int attach_take_pid_lock(attach_run *r) {
  snprintf(r->pid_lock, sizeof r->pid_lock, "/tmp/leakscope-attach.%d.lock", (int)r->o->pid);
  for (int tries = 0; tries < 3; tries++) {
    int fd = open(r->pid_lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      errorf("cannot create %s: %s", r->pid_lock, strerror(errno));
      return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char holder[32] = "";
      ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
      holder[n > 0 ? n : 0] = 0;
      holder[strcspn(holder, "\n")] = 0;
      close(fd);
      errorf("process %d is already attached by leakscope%s%s%s", (int)r->o->pid, holder[0] ? " (process " : "",
             holder, holder[0] ? ")" : "");
      return -1;
    }
    /* the file we locked must still be the one at the path (a leakscope
     * that was ending may have removed it meanwhile) */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(r->pid_lock, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
      char text[32];
      int n = snprintf(text, sizeof text, "%d\n", (int)getpid());
      if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) { /* only a hint for the message */ }
      r->pid_lock_fd = fd;
      return 0;
    }
    close(fd);
  }
  errorf("cannot lock %s", r->pid_lock);
  return -1;
}

static void attach_release_pid_lock(attach_run *r) {
  if (r->pid_lock_fd < 0) return;
  unlink(r->pid_lock);
  close(r->pid_lock_fd);
  r->pid_lock_fd = -1;
}

/* DIR/options for the agent; 0, or -1 after one line. */
static int attach_write_options(attach_run *r, char *path, size_t pathlen) {
  const attach_options *o = r->o;
  snprintf(path, pathlen, "%s/options", r->dir);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    errorf("cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  /* the pid as we see it, not %p: in another pid namespace the agent sees another */
  fprintf(f, "%s=%s/raw.%d,%s=%llu,%s=%d,%s=snapshot,%s=1,%s=%s", AGENT_KEY(out), r->dir, (int)o->pid,
          AGENT_KEY(sample), (unsigned long long)o->sample, AGENT_KEY(depth), o->depth, AGENT_KEY(warnings),
          AGENT_KEY(control), AGENT_KEY(attach), r->lock);
  if (o->interval > 0) fprintf(f, ",%s=%.6f", AGENT_KEY(interval), o->interval);
  if (r->watch != NULL) fprintf(f, ",%s=%.6f", AGENT_KEY(watch), o->watch_period);
  fprintf(f, "\n");
  if (fchmod(fileno(f), 0644) != 0 || fclose(f) != 0) {
    errorf("cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* ---- snapshots ------------------------------------------------------------------------ */

/* The first file in DIR named raw.PID.SEQ.reason (any SEQ) into out; 0, or -1. */
static int attach_find_snapshot(const attach_run *r, const char *reason, char *out, size_t outlen) {
  DIR *d = opendir(r->dir);
  if (d == NULL) return -1;
  int found = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int pid, seq, consumed = 0;
    char what[32];
    if (sscanf(e->d_name, "raw.%d.%d.%31[a-z]%n", &pid, &seq, what, &consumed) == 3 && pid == r->o->pid &&
        e->d_name[consumed] == 0 && strcmp(what, reason) == 0) {
      snprintf(out, outlen, "%s/%s", r->dir, e->d_name);
      found = 0;
      break;
    }
  }
  closedir(d);
  return found;
}

/* The agent's oldest snapshot of the given reason still in the run's
 * directory (it numbers them): 1 and its path in raw, or 0 when none is. */
static int attach_oldest(const attach_run *r, const char *reason, char *raw, size_t rawlen) {
  DIR *d = opendir(r->dir);
  if (d == NULL) return 0;
  int best = -1;
  size_t reason_len = strlen(reason);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int pid, seq, consumed = 0;
    if (sscanf(e->d_name, "raw.%d.%d.%n", &pid, &seq, &consumed) == 2 &&
        strncmp(e->d_name + consumed, reason, reason_len) == 0 && e->d_name[consumed + reason_len] == 0 &&
        pid == r->o->pid && (best < 0 || seq < best))
      best = seq;
  }
  closedir(d);
  if (best < 0) return 0;
  snprintf(raw, rawlen, "%s/raw.%d.%d.%s", r->dir, (int)r->o->pid, best, reason);
  return 1;
}

/* The leak watch's snapshots so far, oldest first, into the watch. */
static void attach_collect_watch(attach_run *r) {
  char raw[PATH_MAX];
  while (attach_oldest(r, "watch", raw, sizeof raw)) {
    leakwatch_snapshot(r->watch, raw);
    unlink(raw);
  }
}

/* The interval snapshots so far, oldest first, as numbered profiles. */
static void attach_collect(attach_run *r) {
  char raw[PATH_MAX];
  while (attach_oldest(r, "interval", raw, sizeof raw)) {
    char err[512], out[PATH_MAX];
    prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
    snapshot *snap = prepare_load(raw, &p, err, sizeof err);
    if (snap == NULL) {
      warnf("%s", err);
    } else {
      attach_numbered(r->o->profile, r->o->pid, ++r->seq, out, sizeof out);
      if (pprof_write(snap, out, err, sizeof err) != 0) warnf("%s", err);
      snap_free(snap);
    }
    unlink(raw);
  }
}

/* Is the agent still mapped in the target?  (An exec replaced it.) */
static int attach_agent_mapped(const attach_run *r) {
  char path[64], line[PATH_MAX + 128];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)r->o->pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  int found = 0;
  while (!found && fgets(line, sizeof line, f) != NULL) found = strstr(line, "/libleakscope.so") != NULL;
  fclose(f);
  return found;
}

static int attach_target_gone(const attach_run *r) {
  if (r->pidfd >= 0) {
    struct pollfd p = {r->pidfd, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }
  return kill(r->o->pid, 0) != 0 && errno == ESRCH;
}

/* ---- the end -------------------------------------------------------------------------- */

/* Give the agent its leave (our lock goes) and wait until it has gone:
 * OUT.detached appears, then its control thread ends.  0, 1 when the
 * program exited meanwhile, -1 when the agent did not answer. */
static int attach_detach(attach_run *r) {
  char marker[PATH_MAX];
  snprintf(marker, sizeof marker, "%s/detach", r->dir);
  int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  flock(r->lock_fd, LOCK_UN);
  close(r->lock_fd);
  r->lock_fd = -1;
  char path[PATH_MAX], text[64] = "";
  snprintf(path, sizeof path, "%s/raw.%d.detached", r->dir, (int)r->o->pid);
  uint64_t end = attach_now_ns() + ATTACH_DETACH_WAIT_MS * 1000000ull;
  while (access(path, R_OK) != 0) {
    if (attach_target_gone(r)) return 1;
    if (attach_now_ns() >= end) return -1;
    attach_sleep_ms(5);
  }
  FILE *f = fopen(path, "r");
  int tid = 0;
  if (f != NULL) {
    if (fgets(text, sizeof text, f) == NULL || sscanf(text, "detached %d", &tid) != 1) tid = 0;
    fclose(f);
  }
  if (tid > 0) { /* the control thread returns right after it wrote the file */
    char task[64];
    snprintf(task, sizeof task, "/proc/%d/task/%d", (int)r->o->pid, tid);
    for (int i = 0; i < 400 && access(task, F_OK) == 0; i++) attach_sleep_ms(5);
  }
  return 0;
}

/* The last snapshot, as the user asked: --profile FILE, or the heap
 * summary and the top sites on stdout.  0, or -1 after a message. */
static int attach_output(const attach_run *r, const char *raw) {
  char err[512], out[PATH_MAX];
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
  snapshot *snap = prepare_load(raw, &p, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return -1;
  }
  for (uint32_t i = 0; i < snap->nwarnings; i++) warnf("process %d: %s", (int)r->o->pid, snap->warnings[i]);
  for (uint32_t i = 0; i < snap->nfailures; i++)
    warnf("process %d: the agent ran out of room: %llu %s lost (the profile is incomplete)", (int)r->o->pid,
          (unsigned long long)snap->failures[i].count, snap->failures[i].name);
  int rc = 0;
  if (r->o->profile) {
    outfile_expand_pid(r->o->profile, r->o->pid, out, sizeof out);
    if (pprof_write(snap, out, err, sizeof err) != 0) {
      errorf("%s", err);
      rc = -1;
    } else {
      fprintf(stderr, "leakscope: profile written to %s\n", out);
    }
  } else {
    render_text_heap_summary(stdout, snap);
    render_top_view view = {0, RENDER_TOP_DEPTH};
    if (render_top(stdout, snap, SAMPLE_INUSE_SPACE, 10, &view) != 0) rc = -1;
  }
  snap_free(snap);
  return rc;
}

/* What the agent said when it did not attach, in one line. */
static void attach_refused(const attach_run *r, int answer) {
  char note[400] = "", path[PATH_MAX];
  snprintf(path, sizeof path, "%s/raw.%d.attach", r->dir, (int)r->o->pid);
  FILE *f = fopen(path, "r");
  if (f != NULL) {
    if (fgets(note, sizeof note, f) == NULL) note[0] = 0;
    note[strcspn(note, "\n")] = 0;
    fclose(f);
  }
  int pid = (int)r->o->pid;
  switch (answer) {
    case ATTACH_BUSY: errorf("process %d is still attached by another leakscope, or detaching", pid); break;
    case ATTACH_PRELOADED:
      errorf("process %d already runs with the agent (leakscope run or LD_PRELOAD): use that run's outputs", pid);
      break;
    case ATTACH_NO_OPTIONS: errorf("process %d cannot read the options in %s", pid, r->dir); break;
    case ATTACH_NOT_GLIBC: errorf("cannot attach to process %d: %s", pid, note[0] ? note : "its malloc is not glibc's"); break;
    case ATTACH_NOTHING: errorf("process %d calls no malloc through a GOT (nothing to profile)", pid); break;
    default: errorf("the agent could not attach to process %d: %s", pid, note[0] ? note : "unknown reason"); break;
  }
}

int cmd_attach(int argc, char **argv) {
  attach_options o;
  if (attach_parse_options(argc, argv, &o) != 0) return EXIT_USAGE;
  char err[512], agent[PATH_MAX];
  inject_target target;
  if (inject_check(o.pid, &target, err, sizeof err) != 0) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  if (supervise_find_agent(agent, sizeof agent) != 0) {
    errorf("cannot find libleakscope.so beside the leakscope command (set LEAKSCOPE_AGENT)");
    return EXIT_USAGE;
  }
  if (o.profile && attach_check_writable(o.profile, o.pid) != 0) {
    errorf("cannot write %s: %s", o.profile, strerror(errno));
    return EXIT_USAGE;
  }
  attach_run r = {.o = &o, .lock_fd = -1, .pid_lock_fd = -1, .pidfd = -1};
  if (attach_take_pid_lock(&r) != 0) return EXIT_USAGE;
  snprintf(r.dir, sizeof r.dir, "/tmp/leakscope.XXXXXX");
  if (mkdtemp(r.dir) == NULL) {
    errorf("cannot make a temporary directory: %s", strerror(errno));
    attach_release_pid_lock(&r);
    return EXIT_USAGE;
  }
  /* a target of another user's reads the options, writes its snapshots and
   * removes our requests here: the directory is its user's (and root's) */
  if (geteuid() == 0 && target.uid != 0 && chown(r.dir, target.uid, (gid_t)-1) != 0)
    warnf("cannot give %s to process %d's user", r.dir, (int)o.pid);
  snprintf(r.lock, sizeof r.lock, "%s/lock", r.dir);
  char options[PATH_MAX];
  int status = EXIT_USAGE;
  http_server *http = NULL;
  r.lock_fd = open(r.lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (r.lock_fd < 0 || flock(r.lock_fd, LOCK_EX) != 0) {
    errorf("cannot lock %s: %s", r.lock, strerror(errno));
    goto done;
  }
  /* --watch, or --http alone: /metrics counts the leak watch's suspects;
   * --watch names their holders from a live retention snapshot */
  if (o.watch > 0 &&
      (r.watch = leakwatch_new(o.watch, o.watch_period, o.sample, r.dir, o.output_dir, o.watch_announce, 1)) == NULL) {
    errorf("--watch: out of memory");
    goto done;
  }
  if (attach_write_options(&r, options, sizeof options) != 0) goto done;
  if (o.http != NULL && (http = http_start(o.http, r.dir, r.watch ? leakwatch_watch(r.watch) : NULL, err, sizeof err)) == NULL) {
    errorf("%s", err);
    goto done;
  }
  r.pidfd = (int)syscall(SYS_pidfd_open, o.pid, 0);

  /* the attach itself: no signal of ours may cut it in half */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGQUIT);
  struct sigaction sa = {0};
  sa.sa_handler = attach_on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigprocmask(SIG_BLOCK, &block, &old);
  int answer = -1;
  uint64_t stopped_ns = 0, total_stop = 0;
  int injected = -1;
  for (uint64_t until = attach_now_ns() + ATTACH_BUSY_RETRY_MS * 1000000ull;;) {
    injected = inject_agent(&target, agent, options, &answer, &stopped_ns, err, sizeof err);
    total_stop += stopped_ns;
    /* the agent of a leakscope that was killed detaches within 100 ms */
    if (injected != 0 || answer != ATTACH_BUSY || attach_now_ns() >= until) break;
    attach_sleep_ms(100);
    if (target.agent[0] == 0) inject_check(o.pid, &target, err, sizeof err); /* now it has one */
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (injected != 0) {
    errorf("%s", err);
    goto done;
  }
  if (answer != ATTACH_OK) {
    attach_refused(&r, answer);
    goto done;
  }
  r.attached_ns = attach_now_ns();
  fprintf(stderr, "leakscope: attached to %d in %.1f ms\n", (int)o.pid, (double)total_stop / 1e6);
  if (http) {
    http_set_target(http, o.pid);
    http_keep_in(http, o.output_dir);
  }

  uint64_t deadline = o.duration > 0 ? r.attached_ns + (uint64_t)(o.duration * 1e9) : 0;
  int exited = 0, execd = 0;
  for (unsigned turn = 1; !attach_stop_signal; turn++) {
    if (deadline && attach_now_ns() >= deadline) break;
    if (attach_target_gone(&r)) {
      exited = 1;
      break;
    }
    if (turn % 25 == 0 && !attach_agent_mapped(&r) && !attach_target_gone(&r)) { /* every half second */
      execd = 1;
      break;
    }
    if (o.interval > 0) attach_collect(&r);
    if (r.watch != NULL) attach_collect_watch(&r);
    attach_sleep_ms(ATTACH_POLL_MS);
  }
  if (http) {
    http_stop(http);
    http = NULL;
  }
  if (execd) {
    if (o.interval > 0) attach_collect(&r);
    errorf("process %d executed another program while attached (the agent went with the old one): no profile "
           "at the detach%s", (int)o.pid, r.seq > 0 ? "; the interval profiles are written" : "");
    status = EXIT_USAGE;
    goto done;
  }
  int detached = exited ? 1 : attach_detach(&r);
  double seconds = (double)(attach_now_ns() - r.attached_ns) / 1e9;
  if (o.interval > 0) attach_collect(&r);
  char raw[PATH_MAX];
  status = EXIT_OK;
  if (detached == 1) {
    snprintf(raw, sizeof raw, "%s/raw.%d", r.dir, (int)o.pid);
    if (access(raw, R_OK) == 0) {
      prepare_opts p = {0};
      snapshot *snap = prepare_load(raw, &p, err, sizeof err);
      int code = snap ? snap->exit_code : -1;
      snap_free(snap);
      if (code >= 0) fprintf(stderr, "leakscope: process %d exited with status %d after %.1f s\n", (int)o.pid, code, seconds);
      else fprintf(stderr, "leakscope: process %d exited after %.1f s\n", (int)o.pid, seconds);
      if (attach_output(&r, raw) != 0) status = EXIT_USAGE;
    } else {
      errorf("process %d ended after %.1f s without an exit snapshot (killed, or _exit): no profile", (int)o.pid,
             seconds);
      status = EXIT_USAGE;
    }
  } else if (detached < 0) {
    errorf("process %d did not confirm the detach within %d s; its agent detaches itself once it sees "
           "this command gone", (int)o.pid, ATTACH_DETACH_WAIT_MS / 1000);
    status = EXIT_USAGE;
  } else {
    fprintf(stderr, "leakscope: detached from %d after %.1f s\n", (int)o.pid, seconds);
    if (attach_find_snapshot(&r, "detach", raw, sizeof raw) != 0) {
      errorf("process %d left no snapshot at detach", (int)o.pid);
      status = EXIT_USAGE;
    } else if (attach_output(&r, raw) != 0) {
      status = EXIT_USAGE;
    }
  }
done:
  if (http) http_stop(http);
  leakwatch_free(r.watch);
  if (r.lock_fd >= 0) close(r.lock_fd);
  if (r.pidfd >= 0) close(r.pidfd);
  attach_remove_dir(r.dir);
  attach_release_pid_lock(&r);
  return status;
}
