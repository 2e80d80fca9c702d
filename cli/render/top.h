/*
 * render/top.h: a snapshot's allocation sites as tables for people
 * (render/top.c), as `leakscope report` prints them.
 */
#ifndef LEAKSCOPE_RENDER_TOP_H
#define LEAKSCOPE_RENDER_TOP_H

#include <stdio.h>

#include "model/frames.h"
#include "model/sample_type.h"
#include "model/snapshot.h"

/* How a table shows a site's stack: its frames from the user's code that
 * allocated (the allocator's own frames folded, model/frames.h), at most
 * depth of them (0: all), below main only with FRAMES_BELOW_MAIN. */
typedef struct {
  unsigned frames; /* model/frames.h's flags */
  unsigned depth;
} render_top_view;
#define RENDER_TOP_DEPTH 5 /* frames shown per site unless asked */

/* The top sites by type, like `go tool pprof -top` (top 0: all), with the
 * frames of each stack, innermost first.  0, or -1 when out of memory. */
int render_top(FILE *out, const snapshot *snap, sample_type type, long top, const render_top_view *view);

/* For a snapshot with lifetimes: per site (most allocations first) its
 * allocations, freed objects, temporaries (freed before their thread's
 * next allocation: full mode, exact) and median, p90 and longest lifetime
 * (full mode exact, sample mode the decade); then how long the freed
 * objects of the top sites (by objects freed) lived, by decade, with the
 * share freed within 1 ms in sample mode.  0, or -1 when out of memory. */
int render_top_lifetimes(FILE *out, const snapshot *snap, long top, const render_top_view *view);

#endif
