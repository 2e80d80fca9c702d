/*
 * http/agent.c: the server's side of the conversation with the target's
 * agent.  A request file raw.PID.req.N holding one letter asks for
 * something ('s' the statistics file raw.PID.stats, 'h' a snapshot
 * raw.PID.SEQ.http, see agent/control.c); the agent writes the answer to a
 * .tmp name and renames it, and we poll the directory for it.  Writing a
 * request never waits: when HTTP_REQUESTS_QUEUED requests wait unread, the
 * target is busy and the request fails.
 *
 * Many clients, little work for the target: statistics are cached for
 * HTTP_STATS_CACHE_MS and snapshots for HTTP_PROFILE_CACHE_MS, and only one
 * request of each kind is in flight; while it is, the others get the
 * previous answer if it is younger than HTTP_STALE_MS (so a slow snapshot
 * never holds up the scrapes), or wait for the new one.  The leak suspects
 * are the leak watch's (cli/leakwatch.c feeds it from the agent's own watch
 * snapshots; analyze/watch.h).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/internal.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/pprof_write.h"

#define HTTP_STATS_WAIT_MS 2000
#define HTTP_SNAPSHOT_WAIT_MS 15000
#define HTTP_POLL_MS 2

uint64_t http_agent_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int http_agent_sleep(http_server *h, int ms) {
  uint64_t end = http_agent_now_ns() + (uint64_t)ms * 1000000u;
  while (!atomic_load(&h->stopping)) {
    uint64_t now = http_agent_now_ns();
    if (now >= end) return 0;
    uint64_t left = end - now;
    struct timespec ts = {0, (long)(left < 50000000u ? left : 50000000u)};
    nanosleep(&ts, NULL);
  }
  return -1;
}

#define HTTP_REQUESTS_QUEUED 8

/* The name of request file n of the target pid. */
static void http_agent_request_path(const http_server *h, int pid, unsigned n, char *out, size_t outlen) {
  snprintf(out, outlen, "%s/raw.%d.req.%u", h->dir, pid, n);
}

/* Leave one request letter for the agent. */
static int http_agent_ask(http_server *h, char c, char *err, size_t errlen) {
  int pid = atomic_load(&h->pid);
  if (pid == 0) {
    snprintf(err, errlen, "the target has not started yet");
    return -1;
  }
  if (kill(pid, 0) != 0 && errno == ESRCH) {
    snprintf(err, errlen, "the target has exited");
    return -1;
  }
  char path[PATH_MAX + 64], tmp[PATH_MAX + 72];
  pthread_mutex_lock(&h->ctl_lock);
  unsigned n = h->ctl_seq + 1;
  int rc = -1;
  if (n > HTTP_REQUESTS_QUEUED) http_agent_request_path(h, pid, n - HTTP_REQUESTS_QUEUED, path, sizeof path);
  if (n > HTTP_REQUESTS_QUEUED && access(path, F_OK) == 0) {
    snprintf(err, errlen, "the target is not reading its requests (busy)");
  } else {
    http_agent_request_path(h, pid, n, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int written = fd >= 0 && write(fd, &c, 1) == 1;
    if (fd >= 0 && close(fd) != 0) written = 0;
    if (written && rename(tmp, path) == 0) {
      h->ctl_seq = n;
      rc = 0;
    } else {
      snprintf(err, errlen, "cannot write the request %s: %s", path, strerror(errno));
      unlink(tmp);
    }
  }
  pthread_mutex_unlock(&h->ctl_lock);
  return rc;
}

/* ---- statistics --------------------------------------------------------- */

static int http_parse_stats(const char *path, http_stats *out, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  memset(out, 0, sizeof *out);
  char line[256], key[64], text[64];
  int version = 0, ended = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long long v = 0;
    if (sscanf(line, "leakscope-stats %d", &version) == 1) continue;
    if (strcmp(line, "end\n") == 0) {
      ended = 1;
      break;
    }
    if (sscanf(line, "mode %63s", text) == 1) {
      out->sample_mode = strcmp(text, "sample") == 0;
      continue;
    }
    if (sscanf(line, "%63s %llu", key, &v) != 2) continue;
    if (strcmp(key, "pid") == 0) out->pid = (int)v;
    else if (strcmp(key, "sample_interval") == 0) out->sample_interval = v;
    else if (strcmp(key, "allocations") == 0) out->allocations = v;
    else if (strcmp(key, "frees") == 0) out->frees = v;
    else if (strcmp(key, "allocated_bytes") == 0) out->allocated_bytes = v;
    else if (strcmp(key, "freed_bytes") == 0) out->freed_bytes = v;
    else if (strcmp(key, "live_objects") == 0) out->live_objects = v;
    else if (strcmp(key, "live_bytes") == 0) out->live_bytes = v;
    else if (strcmp(key, "snapshots") == 0) out->snapshots = v;
    else if (strcmp(key, "uptime_ns") == 0) out->uptime_ns = v;
  }
  fclose(f);
  if (version != 1 || !ended) {
    snprintf(err, errlen, "%s: not a complete leakscope-stats 1 file", path);
    return -1;
  }
  return 0;
}

/* Wait until path exists; 0, or -1 on timeout or stop. */
static int http_wait_file(http_server *h, const char *path, int timeout_ms) {
  uint64_t end = http_agent_now_ns() + (uint64_t)timeout_ms * 1000000u;
  while (access(path, R_OK) != 0) {
    if (http_agent_now_ns() >= end || http_agent_sleep(h, HTTP_POLL_MS) != 0) return -1;
  }
  return 0;
}

/* Ask the agent for its statistics file and read it (no lock held). */
static int http_agent_stats_fetch(http_server *h, http_stats *out, char *err, size_t errlen) {
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/raw.%d.stats", h->dir, atomic_load(&h->pid));
  unlink(path);
  if (http_agent_ask(h, 's', err, errlen) != 0) return -1;
  if (http_wait_file(h, path, HTTP_STATS_WAIT_MS) != 0) {
    snprintf(err, errlen, "the target did not answer the statistics request");
    return -1;
  }
  return http_parse_stats(path, out, err, errlen);
}

int http_agent_stats(http_server *h, http_stats *out, char *err, size_t errlen) {
  pthread_mutex_lock(&h->stats_lock);
  for (;;) {
    uint64_t age = h->stats_ns ? http_agent_now_ns() - h->stats_ns : UINT64_MAX;
    /* fresh, or being refreshed and not too old: answer at once */
    if (age < HTTP_STATS_CACHE_MS * 1000000ull || (h->stats_fetching && age < HTTP_STALE_MS * 1000000ull)) {
      *out = h->stats;
      pthread_mutex_unlock(&h->stats_lock);
      return 0;
    }
    if (!h->stats_fetching) break;
    pthread_cond_wait(&h->stats_cond, &h->stats_lock);
  }
  h->stats_fetching = 1;
  pthread_mutex_unlock(&h->stats_lock);
  http_stats fresh;
  int rc = http_agent_stats_fetch(h, &fresh, err, errlen);
  pthread_mutex_lock(&h->stats_lock);
  if (rc == 0) {
    h->stats = fresh;
    h->stats_ns = http_agent_now_ns();
    *out = fresh;
  }
  h->stats_fetching = 0;
  pthread_cond_broadcast(&h->stats_cond);
  pthread_mutex_unlock(&h->stats_lock);
  return rc;
}

int http_agent_proc_read(int pid, http_proc *out) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  int found = 0;
  unsigned long long kb;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmSize: %llu kB", &kb) == 1) {
      out->mapped_bytes = kb * 1024;
      found |= 1;
    } else if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) {
      out->resident_bytes = kb * 1024;
      found |= 2;
    }
  }
  fclose(f);
  return found == 3 ? 0 : -1;
}

/* ---- snapshots ---------------------------------------------------------- */

watch_suspect *http_agent_suspects(http_server *h, size_t *n) {
  *n = 0;
  if (h->watch == NULL) return NULL;
  size_t all, current;
  watch_suspect *list = watch_suspects(h->watch, &all, &current);
  for (size_t i = 0; i < all; i++) /* (named once symbolized: a moment after it is found) */
    if (list[i].current && list[i].site[0]) list[(*n)++] = list[i];
  return list;
}

/* The name of an answer to 'h' in dir, if one is there. */
static int http_find_answer(http_server *h, char *out, size_t outlen) {
  DIR *d = opendir(h->dir);
  if (d == NULL) return -1;
  int pid = atomic_load(&h->pid), found = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int p, seq, consumed = 0;
    if (sscanf(e->d_name, "raw.%d.%d.http%n", &p, &seq, &consumed) == 2 && p == pid &&
        e->d_name[consumed] == 0) {
      snprintf(out, outlen, "%s/%s", h->dir, e->d_name);
      found = 0;
      break;
    }
  }
  closedir(d);
  return found;
}

/* Ask for a snapshot, load and symbolize it (one caller at a time). */
static snapshot *http_fetch(http_server *h, char *err, size_t errlen) {
  char path[PATH_MAX + 300];
  if (http_agent_ask(h, 'h', err, errlen) != 0) return NULL;
  uint64_t end = http_agent_now_ns() + HTTP_SNAPSHOT_WAIT_MS * 1000000ull;
  while (http_find_answer(h, path, sizeof path) != 0) {
    if (http_agent_now_ns() >= end || http_agent_sleep(h, HTTP_POLL_MS) != 0) {
      snprintf(err, errlen, "the target did not write the snapshot in time");
      return NULL;
    }
  }
  snapshot *snap = load_snapshot(path, err, errlen);
  unlink(path);
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  if (snap != NULL && prepare_snapshot(snap, &p, err, errlen) != 0) {
    snap_free(snap);
    return NULL;
  }
  return snap;
}

http_snap *http_agent_snapshot(http_server *h, int max_age_ms, char *err, size_t errlen) {
  pthread_mutex_lock(&h->snap_lock);
  uint64_t asked = http_agent_now_ns();
  for (;;) {
    http_snap *s = h->current;
    uint64_t age = s ? http_agent_now_ns() - s->taken_ns : UINT64_MAX;
    /* fresh enough; or, for max_age 0, taken after this call began */
    int fresh = s && (max_age_ms > 0 ? age < (uint64_t)max_age_ms * 1000000u : s->taken_ns > asked);
    /* while a new one is being taken, a recent one will do (not for max_age 0) */
    int stale_ok = s && max_age_ms > 0 && h->snap_fetching && age < HTTP_STALE_MS * 1000000ull;
    if (fresh || stale_ok) {
      atomic_fetch_add(&s->refs, 1);
      pthread_mutex_unlock(&h->snap_lock);
      return s;
    }
    if (!h->snap_fetching) break;
    pthread_cond_wait(&h->snap_cond, &h->snap_lock);
  }
  h->snap_fetching = 1;
  pthread_mutex_unlock(&h->snap_lock);
  snapshot *snap = http_fetch(h, err, errlen);
  http_snap *s = snap ? calloc(1, sizeof *s) : NULL;
  if (snap != NULL && s == NULL) {
    snap_free(snap);
    snprintf(err, errlen, "out of memory");
  }
  pthread_mutex_lock(&h->snap_lock);
  if (s != NULL) {
    s->snap = snap;
    s->taken_ns = http_agent_now_ns();
    atomic_init(&s->refs, 2); /* the cache's and the caller's */
    pthread_mutex_init(&s->lock, NULL);
    if (h->current != NULL) http_agent_snap_release(h->current);
    h->current = s;
  }
  h->snap_fetching = 0;
  pthread_cond_broadcast(&h->snap_cond);
  pthread_mutex_unlock(&h->snap_lock);
  return s;
}

void http_agent_snap_release(http_snap *s) {
  if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1) return;
  snap_free(s->snap);
  free(s->pprof);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

int http_agent_render_pprof(http_server *h, const snapshot *snap, const char *default_type,
                            unsigned char **data, size_t *len, char *err, size_t errlen) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/http.%" PRIu64 ".pb.gz", h->dir, atomic_fetch_add(&h->file_seq, 1));
  if (pprof_write_as(snap, path, default_type, err, errlen) != 0) return -1;
  FILE *f = fopen(path, "rb");
  unlink(path);
  if (f == NULL) {
    snprintf(err, errlen, "cannot read %s back: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  *data = NULL;
  if (fstat(fileno(f), &st) == 0 && (*data = malloc((size_t)st.st_size + 1)) != NULL &&
      fread(*data, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
    *len = (size_t)st.st_size;
    fclose(f);
    return 0;
  }
  free(*data);
  *data = NULL;
  fclose(f);
  snprintf(err, errlen, "cannot read the profile back");
  return -1;
}

int http_agent_snap_pprof(http_server *h, http_snap *s, const unsigned char **data, size_t *len,
                          char *err, size_t errlen) {
  pthread_mutex_lock(&s->lock);
  int rc = 0;
  if (s->pprof == NULL) rc = http_agent_render_pprof(h, s->snap, NULL, &s->pprof, &s->pprof_len, err, errlen);
  *data = s->pprof;
  *len = s->pprof_len;
  pthread_mutex_unlock(&s->lock);
  return rc;
}
