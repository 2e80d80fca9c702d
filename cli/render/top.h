/*
 * render/top.h: a snapshot's allocation sites as tables for people
 * (render/top.c), as `leakscope report` prints them.
 */
#ifndef LEAKSCOPE_RENDER_TOP_H
#define LEAKSCOPE_RENDER_TOP_H

#include <stdio.h>

#include "model/sample_type.h"
#include "model/snapshot.h"

/* The top sites by type, like `go tool pprof -top` (top 0: all), with the
 * first frames of each stack, innermost first.  0, or -1 when out of memory. */
int render_top(FILE *out, const snapshot *snap, sample_type type, long top);

/* For a snapshot with lifetimes: per site (most allocations first) its
 * allocations, freed objects, temporaries (freed before their thread's
 * next allocation: full mode, exact) and median, p90 and longest lifetime
 * (full mode exact, sample mode the decade); then how long the freed
 * objects of the top sites (by objects freed) lived, by decade, with the
 * share freed within 1 ms in sample mode.  0, or -1 when out of memory. */
int render_top_lifetimes(FILE *out, const snapshot *snap, long top);

#endif
