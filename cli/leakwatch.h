/*
 * leakwatch.h: `leakscope run --watch[=WINDOW]` while PROG runs
 * (leakwatch.c): the agent's watch snapshots of the main process go in,
 * the trend test (analyze/watch.h) runs on each, and every new suspect
 * gets its line on stderr, a profile with the window's start beside it,
 * and an entry for the JSON report.  run.c drives it; the HTTP server
 * reads its suspects for /metrics.
 */
#ifndef LEAKSCOPE_LEAKWATCH_H
#define LEAKSCOPE_LEAKWATCH_H

#include <jansson.h>
#include <stdint.h>

#include "analyze/watch.h"

typedef struct leakwatch leakwatch;

/* A watch over window seconds of snapshots every period seconds, in the
 * run's directory dir (it keeps the window's snapshots there); sample is
 * the sampling interval (0: full mode); the profiles go to output_dir
 * (--output-dir, NULL: outfile_in_dir's default); announce: say each
 * suspect on stderr and write its profiles (else the watch only counts
 * them, for /metrics).  NULL when out of memory. */
leakwatch *leakwatch_new(double window, double period, uint64_t sample, const char *dir, const char *output_dir,
                         int announce);
void leakwatch_free(leakwatch *lw);

/* One watch snapshot of the main process (the run removes the file after
 * the call; what the watch keeps it links). */
void leakwatch_snapshot(leakwatch *lw, const char *raw);

/* The suspects' memory, for the HTTP server. */
watch *leakwatch_watch(leakwatch *lw);

/* The report's "suspects" list (a new reference; NULL when out of memory). */
json_t *leakwatch_report(leakwatch *lw);

#endif
