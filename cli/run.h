/*
 * run.h: what `leakscope run` shares between its files: the options, as
 * run.c parses them and supervise.c passes them on to the agent.
 */
#ifndef LEAKSCOPE_RUN_H
#define LEAKSCOPE_RUN_H

#include <stdint.h>

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
  uint64_t budget;
  const char *budget_action;
  int trace_children;
  int show_reachable;
  int show_below_main;
  int depth;
  int snapshot_signal;       /* 0: none */
  double growth_percent;     /* --capture-growth: 0: none */
  double growth_window;      /* seconds */
  char **prog_argv;
} run_options;

#endif
