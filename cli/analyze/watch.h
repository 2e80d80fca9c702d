/*
 * analyze/watch.h: the leak watch's memory (analyze/watch.c): the live
 * bytes of every allocation stack over the last window of snapshots of one
 * process, the trend test (analyze/trend.h) on each after every snapshot,
 * and the suspects it found.  `leakscope run --watch` feeds it
 * (cli/leakwatch.c); the HTTP server reads the current suspects for
 * /metrics from another thread, so the suspects are read under a lock.
 */
#ifndef LEAKSCOPE_ANALYZE_WATCH_H
#define LEAKSCOPE_ANALYZE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

#define WATCH_SITE_MAX 200 /* a suspect's name, as the caller gives it */

typedef struct {
  uint64_t key;            /* the stack (watch_stack_key) */
  double bytes_per_second; /* the rate when found, updated while it stays a suspect */
  double detected_at;      /* seconds since the program started */
  int64_t live_bytes;      /* when found */
  int current;             /* still rising (1), or it stopped (0) */
  char site[WATCH_SITE_MAX]; /* "" until the caller names it */
} watch_suspect;

typedef struct watch watch;

/* A watch over window seconds, holding up to points readings per stack
 * (the window's snapshots and a few more); floor is the trend test's
 * smallest rise in bytes; sample the sampling interval (0: full mode: the
 * readings are exact), from which a stack's own noise floor follows.  NULL
 * when out of memory. */
watch *watch_new(double window, size_t points, double floor, double sample);
void watch_free(watch *w);

/* A key for a stack that is the same in every snapshot of one process
 * (its return addresses). */
uint64_t watch_stack_key(const snapshot *snap, uint32_t stack);

/* Add one snapshot (its duration_ns is the time) and test every stack.
 * The stacks that became suspects are returned as indexes into snap's
 * stacks (malloc'd in *found, *nfound of them; the suspects' list holds
 * them already, unnamed).  0, or -1 when out of memory. */
int watch_add(watch *w, const snapshot *snap, uint32_t **found, size_t *nfound);

/* Name the suspect of key (site text for messages and metric labels). */
void watch_name(watch *w, uint64_t key, const char *site);

/* A copy of the suspects found so far, in the order found (malloc'd, the
 * count in *n; NULL and 0 when there is none or out of memory), and how
 * many are current. */
watch_suspect *watch_suspects(watch *w, size_t *n, size_t *ncurrent);

#endif
