/*
 * analyze/trend.c: the leak watch's trend test (see analyze/trend.h).
 *
 * The window is cut into TREND_SUBWINDOWS sixths and each sixth reduced to
 * its lowest reading: the lower envelope.  A working set that comes and
 * goes (a sawtooth, requests in flight) moves the highs, not the lows; a
 * leak lifts the lows.  The series is rising when
 *   - the minima trend up by Mann-Kendall: S >= 13 of 15 pairs (one-sided
 *     p < 0.01 for six values; at most one pair out of order);
 *   - each third of the window lifts its minimum over the previous third's
 *     by a quarter of the floor and a quarter of the whole climb at least
 *     (a steady rise lifts each by half; a steady cache does not), and the
 *     last sixth's minimum rises over the fifth's by a twelfth of the climb
 *     (a quarter of a steady rise's step: a warm-up that reached its
 *     plateau before the last third does not), and the last reading is
 *     above the last sixth's minimum by a twenty-fourth of the climb (it
 *     still rises at the end);
 *   - the Theil-Sen slope of the minima (the median of the pairwise slopes,
 *     at the times of the minima) times the window is the floor at least,
 *     and TREND_NOISE_RISES times the minima's scatter about that line (a
 *     sawtooth caught by the snapshots at random points of its teeth has
 *     lows that wander; a leak's lie on the line), and three quarters of
 *     the median swing (highest less lowest) within a sixth: the snapshots see a
 *     sawtooth's teeth at random heights, so its lows rise by chance as
 *     much as a part of a tooth; a leak's rise is six of its sixths.
 * The slope is the rate reported: the median ignores a sixth whose low was
 * odd, and the lows carry the leak without the working set's noise.  When
 * the rise began inside the window, the minima before it (still within an
 * eighth of the floor of the first) are left out of the slope, all but the
 * last of them (the latest of equal lows is kept, the nearest to the rise).
 */
#include "analyze/trend.h"

#include <math.h>
#include <stdlib.h>

#define TREND_MK_S 13        /* Mann-Kendall S of the six minima: at most one pair of 15 out of order */
#define TREND_NOISE_RISES 4   /* the rise over the window, in the lows' scatter about the slope */
#define TREND_SWING_SHARE 0.75 /* the rise over the window, in the median swing within a sixth */

static int trend_double_order(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a < b ? -1 : a > b;
}

static double trend_min2(double a, double b) { return a < b ? a : b; }

int trend_test(const double *t, const double *y, size_t n, double t0, double t1, double floor,
               trend_result *out) {
  enum { K = TREND_SUBWINDOWS };
  double low[K], at[K], high[K], last = 0, last_t = t0 - 1;
  int count[K] = {0};
  double width = (t1 - t0) / K;
  if (!(width > 0)) return -1;
  for (size_t i = 0; i < n; i++) {
    if (t[i] < t0 || t[i] > t1) continue;
    int j = (int)((t[i] - t0) / width);
    if (j >= K) j = K - 1;
    if (count[j] == 0 || y[i] <= low[j]) { /* the latest of equal lows: the nearest to a rise */
      low[j] = y[i];
      at[j] = t[i];
    }
    if (count[j] == 0 || y[i] > high[j]) high[j] = y[i];
    if (t[i] >= last_t) {
      last = y[i];
      last_t = t[i];
    }
    count[j]++;
  }
  for (int j = 0; j < K; j++)
    if (count[j] == 0) return -1;
  int s = 0;
  for (int i = 0; i < K; i++)
    for (int j = i + 1; j < K; j++) s += (low[j] > low[i]) - (low[j] < low[i]);
  /* a rise that began inside the window: the slope from the last low still
   * at the first one's level (the flat start would bias it down) */
  int from = 0;
  for (int j = 1; j < K - 2; j++)
    if (low[j] <= low[0] + floor / 8) from = j;
  double slopes[K * (K - 1) / 2];
  int nslopes = 0;
  for (int i = from; i < K; i++)
    for (int j = i + 1; j < K; j++)
      if (at[j] > at[i]) slopes[nslopes++] = (low[j] - low[i]) / (at[j] - at[i]);
  double rate = 0;
  if (nslopes > 0) {
    qsort(slopes, (size_t)nslopes, sizeof *slopes, trend_double_order);
    rate = nslopes % 2 ? slopes[nslopes / 2] : (slopes[nslopes / 2 - 1] + slopes[nslopes / 2]) / 2;
  }
  /* the lows' own scatter about the slope: 1.4826 times the median absolute
   * residual (a standard deviation for normal noise) */
  double resid[K], centre[K];
  for (int j = 0; j < K; j++) centre[j] = low[j] - rate * at[j];
  qsort(centre, K, sizeof *centre, trend_double_order);
  double intercept = (centre[K / 2 - 1] + centre[K / 2]) / 2;
  for (int j = 0; j < K; j++) resid[j] = fabs(low[j] - rate * at[j] - intercept);
  qsort(resid, K, sizeof *resid, trend_double_order);
  double noise = 1.4826 * (resid[K / 2 - 1] + resid[K / 2]) / 2;
  double spread[K];
  for (int j = 0; j < K; j++) spread[j] = high[j] - low[j];
  qsort(spread, K, sizeof *spread, trend_double_order);
  double swing = (spread[K / 2 - 1] + spread[K / 2]) / 2;
  double third[3] = {trend_min2(low[0], low[1]), trend_min2(low[2], low[3]), trend_min2(low[4], low[5])};
  double rise = rate * (t1 - t0);
  out->rate = rate;
  out->mk_s = s;
  out->climbing = third[1] > third[0] && third[2] > third[1];
  double climb = third[2] - third[0];
  out->rising = s >= TREND_MK_S && third[1] - third[0] >= floor / 4 && third[2] - third[1] >= floor / 4 &&
                third[1] - third[0] >= climb / 4 && third[2] - third[1] >= climb / 4 &&
                low[K - 1] - low[K - 2] >= climb / 12 && last - low[K - 1] >= climb / 24 &&
                rise >= floor && rise >= TREND_NOISE_RISES * noise && rise >= TREND_SWING_SHARE * swing;
  out->flat = third[2] <= third[0] || rise < floor / 2;
  return 0;
}
