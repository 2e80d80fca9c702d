/*
 * run.h: what `leakscope run` shares between its files: the parsed options
 * (run.c), the supervisor's HTTP server (http/http.c), and the helpers that turn
 * raw snapshots into outputs.
 */
#ifndef LEAKSCOPE_RUN_H
#define LEAKSCOPE_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/snapshot.h"
#include "analyze/supp.h"

#define RUN_MAX_SUPP 16

typedef struct {
  const char *report, *xml, *profile, *http, *trace;
  uint64_t sample;          /* 0: full mode */
  double interval;          /* seconds, 0: none */
  const char *supp[RUN_MAX_SUPP];
  int nsupp;
  int error_exitcode;       /* -1: none */
  uint64_t budget;
  const char *budget_action;
  int trace_children;
  int show_reachable;
  int depth;
  int snapshot_signal;       /* 0: none */
  double growth_percent;     /* --capture-growth: 0: none */
  double growth_window;      /* seconds */
  char **prog_argv;
} run_options;

int run_parse_options(int argc, char **argv, run_options *o);
long long run_parse_size(const char *s);
void run_expand(const char *pattern, int pid, char *out, size_t outlen);
void run_numbered_name(const char *pattern, int pid, int seq, char *out, size_t outlen);

/* The supervisor's HTTP server (http/http.c), started before PROG when --http is
 * given.  dir is the run's private directory where the agent writes its
 * snapshots (raw.PID for the exit snapshot, raw.PID.SEQ.REASON for the
 * others).  The target is asked for a snapshot through its control pipe:
 * http/http.c makes the pipe in run_http_start (both ends O_CLOEXEC); the child
 * keeps the read end (run_http_control_fd) across exec, and writing one
 * byte 'r' to the write end makes the agent write raw.PID.SEQ.request (SEQ
 * increasing; renamed into place when complete) into dir. */
typedef struct run_http run_http;
run_http *run_http_start(const run_options *o, const char *dir, char *err, size_t errlen);
void run_http_set_target(run_http *h, pid_t pid);
/* The read end of the control pipe, which the child keeps across exec. */
int run_http_control_fd(run_http *h);
void run_http_stop(run_http *h);

#endif
