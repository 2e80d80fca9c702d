/*
 * http/http.h: the supervisor's HTTP server for `leakscope run --http
 * ADDR:PORT` (http/http.c), as run.c drives it: started before PROG,
 * told PROG's pid once it runs, stopped when PROG ends.  The files of the
 * server share http/internal.h.
 *
 * dir is the run's private directory where the agent writes its snapshots
 * (raw.PID for the exit snapshot, raw.PID.SEQ.REASON for the others).  The
 * target is asked for something with a request file raw.PID.req.N in dir
 * (N from 1 up, one letter inside, renamed into place), which the agent's
 * control thread reads and removes (the agent's control option): 'h'
 * makes it write raw.PID.SEQ.http, 's' the statistics file raw.PID.stats.
 * The target holds no descriptor of the server's.
 */
#ifndef LEAKSCOPE_HTTP_HTTP_H
#define LEAKSCOPE_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analyze/watch.h"

typedef struct http_server http_server;

/* Listen on address ("PORT", ":PORT", "HOST:PORT", "[IPV6]:PORT"); NULL
 * with a one-line reason in err when the address is bad or taken.
 * suspects is the leak watch whose current suspects /metrics shows (the
 * run feeds it; NULL: none). */
http_server *http_start(const char *address, const char *dir, watch *suspects, char *err, size_t errlen);
void http_set_target(http_server *h, pid_t pid);
/* The live-heap budget /metrics shows (bytes, 0: none). */
void http_set_budget(http_server *h, uint64_t bytes);
/* Where http_stop keeps the last profile, leakscope-http.PID.pb.gz: dir
 * (--output-dir), or with NULL (the default) the temporary directory. */
void http_keep_in(http_server *h, const char *dir);
/* Close the port, keep the last profile (see http/http.c); h may be NULL. */
void http_stop(http_server *h);

#endif
