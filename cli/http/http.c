/*
 * http/http.c: the supervisor's HTTP server for `leakscope run --http ADDR:PORT`
 * (libmicrohttpd; see http/http.h for how run.c drives it and
 * http/internal.h for the other files).  The server runs in the supervisor, never in the target:
 * it asks the agent for statistics and snapshots over the control pipe and
 * does the heavy work (symbolizing, rendering) itself, in threads of lower
 * priority (nice 10) so the target keeps its CPU.
 *
 * Address: "PORT" and ":PORT" mean 127.0.0.1:PORT; another address only
 * when given ("0.0.0.0:6060", "[::1]:6060", "localhost:6060"), with a
 * warning when it is not loopback.  Port 0 picks a free port.  The URL is
 * printed on stderr once the server listens.
 *
 * A port in use is an error, whoever holds it: the socket is bound
 * without SO_REUSEPORT, so two servers never split one port's requests.
 *
 * Limits: only GET and HEAD (405 otherwise; POST for /debug/pprof/symbol
 * only, with a body of at most HTTP_SYMBOL_BODY_LIMIT), no request body (413),
 * request line and headers within HTTP_MEMORY_LIMIT (libmicrohttpd answers
 * 414 or 431 above it, 400 for a malformed request), at most
 * HTTP_MAX_CONNECTIONS connections, and a connection idle for
 * HTTP_IDLE_SECONDS (one that connects and sends nothing) is closed.
 *
 * When the target ends, http_stop() closes the port and keeps the last
 * snapshot as a profile, ./leakscope-http.PID.pb.gz: the exit snapshot if
 * the agent wrote one, otherwise (a crash) the last one the server took.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http/internal.h"
#include "pipeline/prepare.h"
#include "render/pprof_write.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "util/vec.h"

#define HTTP_MEMORY_LIMIT (32 * 1024)
#define HTTP_MAX_CONNECTIONS 128
#define HTTP_IDLE_SECONDS 5
#define HTTP_SYMBOL_URL "/debug/pprof/symbol"
#define HTTP_SYMBOL_BODY_LIMIT (4 * 1024 * 1024) /* addresses of a symbolz POST */

/* Parse ADDR:PORT into a socket address; 0, or -1 with err. */
int http_reply_text(http_reply *r, unsigned status, const char *type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *body = NULL;
  int n = vasprintf(&body, fmt, ap);
  va_end(ap);
  r->status = status;
  r->type = type;
  r->body = n >= 0 ? body : NULL;
  r->len = n >= 0 ? (size_t)n : 0;
  return n >= 0 ? 0 : -1;
}

static int http_parse_address(const char *spec, struct sockaddr_storage *sa, socklen_t *salen,
                              char *err, size_t errlen) {
  char host[256] = "127.0.0.1";
  const char *port = spec;
  const char *colon = strrchr(spec, ':');
  if (spec[0] == '[') {
    const char *close = strchr(spec, ']');
    if (close == NULL || close[1] != ':' || close - spec - 1 >= (long)sizeof host) {
      snprintf(err, errlen, "bad --http address '%s' (want [IPV6]:PORT)", spec);
      return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(close - spec - 1), spec + 1);
    port = close + 2;
  } else if (colon != NULL) {
    if (colon - spec >= (long)sizeof host) {
      snprintf(err, errlen, "bad --http address '%s'", spec);
      return -1;
    }
    if (colon != spec) snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    port = colon + 1;
  }
  char *end;
  long p = strtol(port, &end, 10);
  if (*port == 0 || *end != 0 || p < 0 || p > 65535) {
    snprintf(err, errlen, "bad --http port in '%s' (want ADDR:PORT, PORT 0..65535)", spec);
    return -1;
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0 || res == NULL) {
    snprintf(err, errlen, "bad --http address '%s': %s", spec, gai_strerror(rc));
    return -1;
  }
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  *salen = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static int http_is_loopback(const struct sockaddr_storage *sa) {
  if (sa->ss_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  return sa->ss_family == AF_INET6 &&
         IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* "http://HOST:PORT" for the address actually bound. */
static void http_url(const struct sockaddr_storage *sa, unsigned port, char *out, size_t outlen) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (sa->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
    snprintf(out, outlen, "http://%s:%u", host, port);
  } else {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
    snprintf(out, outlen, "http://[%s]:%u", host, port);
  }
}

static enum MHD_Result http_send(struct MHD_Connection *c, http_reply *r) {
  if (r->body == NULL) http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_FREE);
  if (resp == NULL) {
    free(r->body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (r->disposition) MHD_add_response_header(resp, "Content-Disposition", r->disposition);
  if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result ok = MHD_queue_response(c, r->status, resp);
  MHD_destroy_response(resp);
  return ok;
}

/* A non-negative integer query argument; -1 absent, -2 malformed. */
static long http_query_long(struct MHD_Connection *c, const char *name, long max) {
  const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
  if (v == NULL) return -1;
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == 0 || *end != 0 || n < 0 || n > max) return -2;
  return n;
}

static void http_route(http_server *h, struct MHD_Connection *c, const char *url, http_reply *r) {
  const char *text = "text/plain; charset=utf-8";
  if (strcmp(url, "/debug/pprof/heap") == 0 || strcmp(url, "/debug/pprof/allocs") == 0) {
    long seconds = http_query_long(c, "seconds", HTTP_MAX_SECONDS);
    long debug = http_query_long(c, "debug", 1);
    long gc = http_query_long(c, "gc", 1); /* accepted: there is no collector to run */
    if (seconds == -2 || debug == -2 || gc == -2)
      http_reply_text(r, 400, text, "bad query: seconds=0..%d, debug=0|1, gc=0|1\n", HTTP_MAX_SECONDS);
    else
      http_heap(h, seconds, debug > 0, strcmp(url, "/debug/pprof/allocs") == 0 ? "alloc_space" : NULL, r);
  } else if (strcmp(url, HTTP_SYMBOL_URL) == 0) {
    http_symbol(h, NULL, 0, r);
  } else if (strcmp(url, "/debug/pprof/") == 0 || strcmp(url, "/debug/pprof") == 0) {
    http_heap_index(h, r);
  } else if (strcmp(url, "/metrics") == 0) {
    http_metrics(h, r);
  } else if (strcmp(url, "/debug/leakscope/stats") == 0) {
    http_metrics_stats_json(h, r);
  } else if (strcmp(url, "/debug/leakscope/retain") == 0) {
    http_retain(h, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format"),
                MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "addr"), r);
  } else if (strcmp(url, "/") == 0) {
    http_reply_text(r, 200, "text/html; charset=utf-8",
                    "<!DOCTYPE html>\n<html><body><a href=\"/debug/pprof/\">/debug/pprof/</a> "
                    "<a href=\"/metrics\">/metrics</a></body></html>\n");
  } else {
    http_reply_text(r, 404, text, "not found: %s (see /debug/pprof/)\n", url);
  }
}

/* A POST to HTTP_SYMBOL_URL: its body, read as it comes. */
typedef struct {
  char *body;
  size_t len, cap;
} http_post;

static int http_first_call_marker; /* *con_cls of a request without a body */

static void http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  if (con_cls == NULL) return; /* a connection closed before any request */
  if (*con_cls != NULL && *con_cls != &http_first_call_marker) {
    http_post *post = *con_cls;
    free(post->body);
    free(post);
  }
  *con_cls = NULL;
}

/* The calls of a POST to HTTP_SYMBOL_URL: the first allocates its body,
 * the next ones append to it, the last (no data) answers. */
static enum MHD_Result http_symbol_post(http_server *h, struct MHD_Connection *c, const char *upload_data,
                                        size_t *upload_data_size, void **con_cls) {
  http_reply r = {0};
  const char *text = "text/plain; charset=utf-8";
  http_post *post = *con_cls;
  if (post == NULL) {
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL && strtoull(length, NULL, 10) > HTTP_SYMBOL_BODY_LIMIT) {
      http_reply_text(&r, MHD_HTTP_CONTENT_TOO_LARGE, text, "at most %d bytes of addresses\n", HTTP_SYMBOL_BODY_LIMIT);
      return http_send(c, &r);
    }
    if ((post = calloc(1, sizeof *post)) == NULL) return MHD_NO;
    *con_cls = post;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    if (post->len == SIZE_MAX) return MHD_YES; /* too long already */
    if (post->len + n > HTTP_SYMBOL_BODY_LIMIT || vec_reserve(&post->body, &post->cap, post->len + n, 1) != 0) {
      post->len = SIZE_MAX; /* answered 413 at the end */
      return MHD_YES;
    }
    memcpy(post->body + post->len, upload_data, n);
    post->len += n;
    return MHD_YES;
  }
  if (post->len == SIZE_MAX)
    http_reply_text(&r, MHD_HTTP_CONTENT_TOO_LARGE, text, "at most %d bytes of addresses\n", HTTP_SYMBOL_BODY_LIMIT);
  else
    http_symbol(h, post->body, post->len, &r);
  return http_send(c, &r);
}

static enum MHD_Result http_handle(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls) {
  http_server *h = cls;
  if (*con_cls == NULL)
    /* a new request on this connection's thread: yield the CPU to the target */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
  if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 && strcmp(url, HTTP_SYMBOL_URL) == 0)
    return http_symbol_post(h, c, upload_data, upload_data_size, con_cls);
  if (*con_cls == NULL) *con_cls = &http_first_call_marker;
  http_reply r = {0};
  const char *text = "text/plain; charset=utf-8";
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
    http_reply_text(&r, MHD_HTTP_METHOD_NOT_ALLOWED, text, "method %s not allowed (GET, HEAD)\n", method);
    return http_send(c, &r);
  }
  const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (*upload_data_size != 0 || (length != NULL && strcmp(length, "0") != 0) ||
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL) {
    http_reply_text(&r, MHD_HTTP_CONTENT_TOO_LARGE, text, "a request body is not accepted\n");
    *upload_data_size = 0;
    return http_send(c, &r);
  }
  http_route(h, c, url, &r);
  return http_send(c, &r);
}

http_server *http_start(const char *address, const char *dir, watch *suspects, char *err, size_t errlen) {
  struct sockaddr_storage sa;
  socklen_t salen;
  if (http_parse_address(address, &sa, &salen, err, errlen) != 0) return NULL;
  http_server *h = calloc(1, sizeof *h);
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  snprintf(h->dir, sizeof h->dir, "%s", dir);
  h->watch = suspects;
  pthread_mutex_init(&h->ctl_lock, NULL);
  pthread_mutex_init(&h->stats_lock, NULL);
  pthread_mutex_init(&h->snap_lock, NULL);
  pthread_cond_init(&h->stats_cond, NULL);
  pthread_cond_init(&h->snap_cond, NULL);
  /* The server's threads never die of SIGPIPE when a client is gone (they
   * inherit this mask; the target does not: it is forked from the main
   * thread after the mask is restored). */
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  if (sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_handle, h,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_SECONDS,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
                               MHD_OPTION_NOTIFY_COMPLETED, http_completed, (void *)NULL, MHD_OPTION_END);
  int bind_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (h->daemon == NULL) {
    snprintf(err, errlen, "cannot serve HTTP on %s: %s", address,
             bind_errno == EADDRINUSE ? "the port is in use (by another program or another leakscope)"
                                      : strerror(bind_errno));
    free(h);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
  http_url(&sa, info ? info->port : 0, h->url, sizeof h->url);
  if (!http_is_loopback(&sa))
    warnf("serving HTTP on %s: not a loopback address, other hosts can read the heap profiles", h->url);
  notef("serving %s/debug/pprof/ and %s/metrics", h->url, h->url);
  return h;
}

void http_set_target(http_server *h, pid_t pid) { atomic_store(&h->pid, (int)pid); }

void http_keep_in(http_server *h, const char *dir) {
  snprintf(h->keep_dir, sizeof h->keep_dir, "%s", dir ? dir : "");
}

/* Keep the last snapshot as leakscope-http.PID.pb.gz in the output directory. */
static void http_keep_last(http_server *h) {
  int pid = atomic_load(&h->pid);
  char raw[PATH_MAX + 32], name[64], out[PATH_MAX + 64], err[512];
  snprintf(raw, sizeof raw, "%s/raw.%d", h->dir, pid);
  snprintf(name, sizeof name, "leakscope-http.%d.pb.gz", pid);
  outfile_in_dir(h->keep_dir, name, out, sizeof out);
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  snapshot *exit_snap = access(raw, R_OK) == 0 ? prepare_load(raw, &p, err, sizeof err) : NULL;
  const snapshot *last = exit_snap ? exit_snap : h->current ? h->current->snap : NULL;
  if (last == NULL) return;
  if (pprof_write(last, out, err, sizeof err) != 0) warnf("cannot keep the last heap profile: %s", err);
  else fprintf(stderr, "leakscope: the last heap profile (%s snapshot) is kept in %s\n", last->reason, out);
  snap_free(exit_snap);
}

void http_set_budget(http_server *h, uint64_t bytes) { h->budget = bytes; }

void http_stop(http_server *h) {
  if (h == NULL) return;
  atomic_store(&h->stopping, 1);
  MHD_stop_daemon(h->daemon);
  http_keep_last(h);
  http_agent_snap_release(h->current);
  pthread_mutex_destroy(&h->ctl_lock);
  pthread_mutex_destroy(&h->stats_lock);
  pthread_mutex_destroy(&h->snap_lock);
  pthread_cond_destroy(&h->stats_cond);
  pthread_cond_destroy(&h->snap_cond);
  free(h);
}
