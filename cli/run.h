/*
 * run.h: what `leakscope run` shares between its files: the parsed options
 * (run.c) and the helpers that turn raw snapshots into outputs.
 */
#ifndef LEAKSCOPE_RUN_H
#define LEAKSCOPE_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analyze/supp.h"
#include "model/snapshot.h"

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

#endif
