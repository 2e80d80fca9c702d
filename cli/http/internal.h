/*
 * http/internal.h: what the files of the supervisor's HTTP server share
 * (http/http.h declares the four functions run.c calls):
 *
 *   http/http.c     the server: address, libmicrohttpd daemon, limits,
 *                   routing, responses, start and stop, the kept profile
 *   http/agent.c    talking to the target's agent over the control pipe:
 *                   statistics (cached), snapshots (shared, coalesced),
 *                   /proc/PID/status
 *   http/heap.c     /debug/pprof/, /debug/pprof/heap and /debug/pprof/allocs
 *                   (profile, delta, debug=1 text)
 *   http/symbol.c   /debug/pprof/symbol (addresses to function names)
 *   http/metrics.c  /metrics (Prometheus text 0.0.4) and
 *                   /debug/leakscope/stats (JSON)
 *   http/retain.c   /debug/leakscope/retain (a live retention snapshot)
 *
 * Functions return 0 on success and -1 with a one-line reason in err.
 */
#ifndef LEAKSCOPE_HTTP_INTERNAL_H
#define LEAKSCOPE_HTTP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "model/snapshot.h"

#define HTTP_STATS_CACHE_MS 250   /* scrapes within this share one answer */
#define HTTP_PROFILE_CACHE_MS 1000 /* heap requests within this share one snapshot */
#define HTTP_STALE_MS 5000        /* an answer this young serves while a new one is taken */
#define HTTP_MAX_SECONDS 600      /* largest ?seconds= */

/* The agent's statistics (the OUT.stats file, see agent/control.c). */
typedef struct {
  int pid;
  int sample_mode;
  uint64_t sample_interval;
  uint64_t allocations, frees, allocated_bytes, freed_bytes;
  uint64_t live_objects, live_bytes;
  uint64_t snapshots, uptime_ns;
} http_stats;

/* Virtual size and resident set of the target, from /proc/PID/status. */
typedef struct {
  uint64_t mapped_bytes, resident_bytes;
} http_proc;

/* A loaded, symbolized snapshot shared by the requests that want it. */
typedef struct {
  snapshot *snap;
  uint64_t taken_ns;        /* CLOCK_MONOTONIC when it was loaded */
  _Atomic int refs;
  pthread_mutex_t lock;     /* guards the rendered profile */
  unsigned char *pprof;     /* gzip'd profile.proto, rendered on first use */
  size_t pprof_len;
} http_snap;

struct http_server {
  char dir[PATH_MAX];
  char keep_dir[PATH_MAX];       /* where the last profile is kept ("": the temporary directory) */
  char url[160];                 /* http://ADDR:PORT, for messages */
  unsigned ctl_seq;              /* the last request file written (under ctl_lock) */
  _Atomic int pid;               /* the target, 0 until http_set_target */
  _Atomic int stopping;
  struct MHD_Daemon *daemon;
  pthread_mutex_t ctl_lock;      /* one request written at a time */

  pthread_mutex_t stats_lock;    /* guards the statistics cache */
  pthread_cond_t stats_cond;     /* a statistics request finished */
  int stats_fetching;            /* a statistics request is in flight */
  http_stats stats;
  uint64_t stats_ns;             /* when stats was read, 0 = never */

  pthread_mutex_t snap_lock;     /* guards the snapshot cache */
  pthread_cond_t snap_cond;      /* a snapshot request finished */
  int snap_fetching;             /* a snapshot request is in flight */
  http_snap *current;            /* the newest snapshot */
  _Atomic uint64_t file_seq;     /* names of the server's temporary files */
  watch *watch;                  /* the leak watch (its suspects), or NULL */
  uint64_t budget;               /* --budget in bytes, 0: none */
};

/* ---- http/agent.c ------------------------------------------------------ */
uint64_t http_agent_now_ns(void);
/* The statistics, at most HTTP_STATS_CACHE_MS old. */
int http_agent_stats(http_server *h, http_stats *out, char *err, size_t errlen);
/* A snapshot at most max_age_ms old (0: a new one); release it when done. */
http_snap *http_agent_snapshot(http_server *h, int max_age_ms, char *err, size_t errlen);
void http_agent_snap_release(http_snap *s);
/* The snapshot's gzip'd pprof profile (rendered once, owned by s). */
int http_agent_snap_pprof(http_server *h, http_snap *s, const unsigned char **data, size_t *len,
                          char *err, size_t errlen);
/* Render any snapshot to a gzip'd profile in memory (malloc'd), its
 * default_sample_type default_type (NULL: unset, inuse_space). */
int http_agent_render_pprof(http_server *h, const snapshot *snap, const char *default_type,
                            unsigned char **data, size_t *len, char *err, size_t errlen);
/* The leak watch's current suspects that have their names (malloc'd, *n
 * of them; NULL and 0 when none). */
watch_suspect *http_agent_suspects(http_server *h, size_t *n);
int http_agent_proc_read(int pid, http_proc *out);
/* Sleep up to ms milliseconds; returns -1 early when the server stops. */
int http_agent_sleep(http_server *h, int ms);

/* ---- http/http.c ------------------------------------------------------- */
/* A response: status, content type, body (malloc'd, owned by the caller). */
typedef struct {
  unsigned status;
  const char *type;
  char *body;
  size_t len;
  const char *disposition; /* Content-Disposition, or NULL */
} http_reply;

/* Fill a reply; 0, or -1 if out of memory. */
int http_reply_text(http_reply *r, unsigned status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- http/heap.c ------------------------------------------------------- */
void http_heap_index(http_server *h, http_reply *r);
/* seconds: -1 none; debug: 0 or 1; default_type: the profile's default
 * sample type (NULL: inuse_space, the heap profile; "alloc_space": Go's
 * allocs profile, the same samples). */
void http_heap(http_server *h, long seconds, int debug, const char *default_type, http_reply *r);

/* ---- http/symbol.c ----------------------------------------------------- */
/* /debug/pprof/symbol as Go serves it: "num_symbols: 1", then for each
 * address of the '+'-separated list (a POST body; NULL for a GET) a line
 * "0xADDR function". */
void http_symbol(http_server *h, const char *addresses, size_t len, http_reply *r);

/* ---- http/metrics.c ---------------------------------------------------- */
void http_metrics(http_server *h, http_reply *r);
void http_metrics_stats_json(http_server *h, http_reply *r);

/* ---- http/retain.c ----------------------------------------------------- */
/* format: NULL, "text" or "json"; addr: NULL or the ?addr= text. */
void http_retain(http_server *h, const char *format, const char *addr, http_reply *r);

#endif
