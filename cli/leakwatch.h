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

#define LEAKWATCH_WINDOW 60       /* seconds: --watch's default window, and --http's */
#define LEAKWATCH_POINTS 30       /* the watch's snapshots a window */
#define LEAKWATCH_HTTP_PERIOD 10  /* seconds: --http's silent watch, without --watch */

/* The options of run and attach: --watch[=SECONDS] (v NULL: the default)
 * into *window, the hidden --watch-period SECONDS into *period; 0, or -1
 * after one line. */
int leakwatch_parse_window(const char *v, double *window);
int leakwatch_parse_period(const char *v, double *period);
/* After the options: with --http and no --watch a silent watch (window and
 * period set, *announce 0); a period of window/LEAKWATCH_POINTS when none
 * was given.  0, or -1 after one line (a period too short for the window). */
int leakwatch_settle(int http, double *window, double *period, int *announce);

/* A watch over window seconds of snapshots every period seconds, in the
 * run's directory dir (it keeps the window's snapshots there); sample is
 * the sampling interval (0: full mode); the profiles go to output_dir
 * (--output-dir, NULL: outfile_in_dir's default); announce: say each
 * suspect on stderr and write its profiles (else the watch only counts
 * them, for /metrics); holders: ask the agent who holds each suspect (a
 * live retention snapshot; not in an attached agent).  NULL when out of
 * memory. */
leakwatch *leakwatch_new(double window, double period, uint64_t sample, const char *dir, const char *output_dir,
                         int announce, int holders);
void leakwatch_free(leakwatch *lw);

/* One watch snapshot of the main process (the run removes the file after
 * the call; what the watch keeps it links). */
void leakwatch_snapshot(leakwatch *lw, const char *raw);

/* The suspects' memory, for the HTTP server. */
watch *leakwatch_watch(leakwatch *lw);

/* The report's "suspects" list (a new reference; NULL when out of memory). */
json_t *leakwatch_report(leakwatch *lw);

#endif
