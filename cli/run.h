/*
 * run.h: what `leakscope run` shares between its files: the options, as
 * run.c parses them and supervise.c passes them on to the agent.
 */
#ifndef LEAKSCOPE_RUN_H
#define LEAKSCOPE_RUN_H

#include <limits.h>
#include <stdint.h>

#include "render/supp_gen.h"

#define RUN_MAX_SUPP 16

typedef struct {
  const char *report, *xml, *profile, *http, *trace;
  const char *log_file;     /* --log-file: leakscope's own output, NULL: stderr */
  const char *output_dir;   /* --output-dir: unnamed outputs, NULL: the temporary directory */
  int quiet;
  uint64_t sample;          /* 0: full mode */
  double interval;          /* seconds, 0: none */
  const char *supp[RUN_MAX_SUPP];
  int nsupp;
  int error_exitcode;       /* -1: none */
  uint64_t budget;           /* bytes, 0: none */
  const char *budget_action;
  double budget_percent;     /* --budget PCT%: of the cgroup's memory limit, 0: bytes given */
  uint64_t budget_limit;     /* that limit */
  char budget_limit_file[PATH_MAX]; /* where it was read */
  int trace_children;
  int show_reachable;
  int show_below_main;
  int gen_suppressions;      /* --gen-suppressions: print suppressions for the records */
  supp_gen_format gen_format;
  int depth;
  int snapshot_signal;       /* 0: none */
  double growth_percent;     /* --capture-growth: 0: none */
  double growth_window;      /* seconds */
  double watch;              /* --watch: the window in seconds, 0: none */
  double watch_period;       /* seconds between the watch's snapshots */
  int watch_announce;        /* --watch given (--http alone watches silently, for /metrics) */
  char **prog_argv;
  const char *optional_before_prog; /* "--sample" of "--sample 64K": for the message when 64K is no program */
} run_options;

#endif
