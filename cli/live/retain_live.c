/*
 * live/retain_live.c: asking a running target's agent for a retention
 * snapshot, and what it says about one stack's blocks (see
 * live/retain_live.h; the agent's side is agent/livescan.c).
 */
#include "live/retain_live.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/retain.h"
#include "pipeline/prepare.h"

#define LIVE_POLL_MS 5
#define LIVE_PICKUP_MS 30000 /* the agent polls every 20 ms, between the other snapshots it writes */

void live_target_in_dir(live_target *t, const char *dir, int pid) {
  t->pid = pid;
  snprintf(t->out, sizeof t->out, "%s/raw.%d", dir, pid);
}

/* The value of key in the agent's options text ("k=v,k=v"), into out. */
static int live_option(const char *opts, const char *key, char *out, size_t outlen) {
  size_t klen = strlen(key);
  for (const char *p = opts; *p; p += strcspn(p, ","), p += *p == ',') {
    if (strncmp(p, key, klen) != 0 || p[klen] != '=') continue;
    const char *v = p + klen + 1;
    size_t n = strcspn(v, ",");
    if (n >= outlen) return -1;
    memcpy(out, v, n);
    out[n] = 0;
    return 0;
  }
  return -1;
}

int live_target_of_pid(live_target *t, int pid, char *err, size_t errlen) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/environ", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "no process %d that this user may look at (%s)", pid, strerror(errno));
    return -1;
  }
  static char env[1 << 20];
  size_t n = fread(env, 1, sizeof env - 1, f);
  fclose(f);
  env[n] = 0;
  const char *opts = NULL;
  for (size_t i = 0; i < n; i += strlen(env + i) + 1)
    if (strncmp(env + i, "LEAKSCOPE_OPTIONS=", 18) == 0) opts = env + i + 18;
  char out[PATH_MAX], control[8];
  if (opts == NULL || live_option(opts, "out", out, sizeof out) != 0) {
    snprintf(err, errlen, "process %d is not running under leakscope run (no agent options in its environment)", pid);
    return -1;
  }
  if (live_option(opts, "control", control, sizeof control) != 0 || strcmp(control, "1") != 0) {
    snprintf(err, errlen, "process %d's agent takes no requests (it was not started by leakscope run)", pid);
    return -1;
  }
  t->pid = pid;
  size_t o = 0;
  for (const char *p = out; *p && o + 16 < sizeof t->out; p++) {
    if (p[0] == '%' && p[1] == 'p') {
      o += (size_t)snprintf(t->out + o, sizeof t->out - o, "%d", pid);
      p++;
    } else {
      t->out[o++] = *p;
    }
  }
  t->out[o] = 0;
  return 0;
}

static void live_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static uint64_t live_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Take the target's retention lock; 0, 1 when someone else holds it, -1. */
static int live_lock(const char *lock, char *err, size_t errlen) {
  for (int attempt = 0; attempt < 2; attempt++) {
    int fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      char text[32];
      int len = snprintf(text, sizeof text, "%d\n", (int)getpid());
      int ok = write(fd, text, (size_t)len) == len;
      if (close(fd) != 0 || !ok) {
        unlink(lock);
        snprintf(err, errlen, "cannot write %s", lock);
        return -1;
      }
      return 0;
    }
    if (errno != EEXIST) {
      snprintf(err, errlen, "cannot make %s: %s", lock, strerror(errno));
      return -1;
    }
    FILE *f = fopen(lock, "r");
    int owner = 0;
    if (f != NULL) {
      if (fscanf(f, "%d", &owner) != 1) owner = 0;
      fclose(f);
    }
    if (owner > 0 && (kill(owner, 0) == 0 || errno != ESRCH)) return 1;
    unlink(lock); /* its owner died: taken over */
  }
  return 1;
}

/* Leave the request id for the agent; 0 or -1. */
static int live_ask(const live_target *t, unsigned long long id, char *err, size_t errlen) {
  char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
  snprintf(path, sizeof path, "%s.retain.req", t->out);
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  char text[32];
  int len = snprintf(text, sizeof text, "%llu\n", id);
  int ok = fd >= 0 && write(fd, text, (size_t)len) == len;
  if (fd >= 0 && close(fd) != 0) ok = 0;
  if (!ok || rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot write the request %s: %s", path, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* The agent's answer to request id: the snapshot's path in snapshot_path,
 * 0; or -1 with why (its .err line, a timeout, the target gone). */
static int live_wait(const live_target *t, unsigned long long id, int timeout_ms, char *snapshot_path,
                     size_t pathlen, int *busy, char *err, size_t errlen) {
  char req[PATH_MAX + 32], refused[PATH_MAX + 64];
  snprintf(req, sizeof req, "%s.retain.req", t->out);
  snprintf(snapshot_path, pathlen, "%s.retain.%llu", t->out, id);
  snprintf(refused, sizeof refused, "%s.retain.%llu.err", t->out, id);
  uint64_t start = live_now_ms();
  for (;;) {
    if (access(snapshot_path, R_OK) == 0) return 0;
    FILE *f = fopen(refused, "r");
    if (f != NULL) {
      char line[256] = "";
      if (fgets(line, sizeof line, f) == NULL) line[0] = 0;
      fclose(f);
      unlink(refused);
      line[strcspn(line, "\n")] = 0;
      *busy = strncmp(line, "busy:", 5) == 0; /* agent/livescan.c's refusal while its child runs */
      snprintf(err, errlen, "the target's agent: %s", line[0] ? line : "the request was refused");
      return -1;
    }
    uint64_t waited = live_now_ms() - start;
    if (kill(t->pid, 0) != 0 && errno == ESRCH) {
      snprintf(err, errlen, "process %d ended before its retention snapshot was written", t->pid);
      unlink(req);
      return -1;
    }
    if (waited > LIVE_PICKUP_MS && access(req, F_OK) == 0) {
      unlink(req);
      snprintf(err, errlen, "process %d does not read its requests (not started by leakscope run, or stuck)", t->pid);
      return -1;
    }
    if (waited > (uint64_t)timeout_ms) {
      snprintf(err, errlen, "no retention snapshot from process %d after %d s", t->pid, timeout_ms / 1000);
      return -1;
    }
    live_sleep_ms(LIVE_POLL_MS);
  }
}

snapshot *live_retain(const live_target *t, int want_chain, uint64_t address, int timeout_ms, int *busy,
                      char *err, size_t errlen) {
  static _Atomic unsigned counter;
  *busy = 0;
  char lock[PATH_MAX + 32];
  snprintf(lock, sizeof lock, "%s.retain.lock", t->out);
  int locked = live_lock(lock, err, errlen);
  if (locked != 0) {
    if (locked > 0) {
      *busy = 1;
      snprintf(err, errlen, "a retention snapshot of process %d is being taken already; try again when it is done",
               t->pid);
    }
    return NULL;
  }
  unsigned long long id = (unsigned long long)getpid() * 100000u + atomic_fetch_add(&counter, 1) % 100000u;
  char path[PATH_MAX + 64];
  snapshot *snap = NULL;
  if (live_ask(t, id, err, errlen) == 0 && live_wait(t, id, timeout_ms, path, sizeof path, busy, err, errlen) == 0) {
    prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
    snap = prepare_load(path, &p, err, errlen);
    unlink(path);
    if (snap != NULL && retain_compute_for(snap, want_chain, address, err, errlen) != 0) {
      snap_free(snap);
      snap = NULL;
    }
  }
  unlink(lock);
  return snap;
}

/* The stack of `retained` with the same return addresses as stack of `of`, or -1. */
static int64_t live_same_stack(const snapshot *retained, const snapshot *of, uint32_t stack) {
  if (stack >= of->nstacks) return -1;
  const snap_stack *want = &of->stacks[stack];
  if (retained == of) return stack;
  for (uint32_t s = 0; s < retained->nstacks; s++) {
    const snap_stack *have = &retained->stacks[s];
    if (have->nlocs != want->nlocs) continue;
    uint32_t i = 0;
    while (i < want->nlocs && retained->locations[have->locs[i]].address == of->locations[want->locs[i]].address) i++;
    if (i == want->nlocs) return s;
  }
  return -1;
}

int live_held_by(const snapshot *retained, const snapshot *of, uint32_t stack, live_holder *out, int max) {
  const snap_retention *r = retained->retention;
  int64_t s = live_same_stack(retained, of, stack);
  if (r == NULL || s < 0 || of->stacks[stack].nlocs == 0) return 0;
  int n = 0;
  for (uint32_t i = 0; i < r->nheld; i++) {
    const snap_rheld *h = &r->held[i];
    if (h->stack != (uint32_t)s) continue;
    if (n < max)
      out[n] = (live_holder){h->root >= 0 ? r->roots[h->root].name : "several roots", h->bytes, h->blocks};
    n++;
  }
  return n;
}
