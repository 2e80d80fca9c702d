/*
 * analyze/trend.h: the leak watch's trend test (analyze/trend.c): did a
 * series of live-byte readings keep rising through a whole window?
 * docs/LIVE.md ("Leak watch") states the test and why.
 */
#ifndef LEAKSCOPE_ANALYZE_TREND_H
#define LEAKSCOPE_ANALYZE_TREND_H

#include <stddef.h>

#define TREND_SUBWINDOWS 6 /* the window's lower envelope: the minimum of each sixth */

typedef struct {
  double rate;   /* bytes per second: the Theil-Sen slope of the sub-window minima */
  int mk_s;      /* the Mann-Kendall statistic of the minima (-15..15) */
  int climbing;  /* 1: the minimum of each third of the window above the last's */
  int rising;    /* 1: kept rising through the whole window (a suspect) */
  int flat;      /* 1: did not rise over the window (a suspect ends) */
} trend_result;

/* Test the readings y[i] at times t[i] (seconds, ascending) that fall in
 * [t0, t1]; floor is the smallest rise over the window (bytes) that counts,
 * above the readings' own noise.  0 and the result, or -1 when some sixth
 * of the window holds no reading (nothing can be said). */
int trend_test(const double *t, const double *y, size_t n, double t0, double t1, double floor,
               trend_result *out);

#endif
