/*
 * trend_test.c: the leak watch's trend test (cli/analyze/trend.c) on
 * made-up series: a steady rise is rising at its rate, and a rise that
 * starts in the first third of the window too; a sawtooth whose lows
 * return, a warm-up that reached its plateau (even in the window's last
 * sixth), a flat line and a window with an empty sixth are not.
 */
#include <math.h>
#include <stdio.h>

#include "analyze/trend.h"
#include "harness/check.h"

#define N 60

static double t[N], y[N];

static void fill(double (*f)(double)) {
  for (int i = 0; i < N; i++) {
    t[i] = i; /* one reading a second over a 59-second window */
    y[i] = f(t[i]);
  }
}

static double steady(double x) { return 1e6 + 1e5 * x; }
static double late(double x) { return x < 12 ? 1e6 : 1e6 + 1e5 * (x - 12); }
static double sawtooth(double x) { return 5e6 * fmod(x, 7) / 7; }
static double leaky_sawtooth(double x) { return 5e6 * fmod(x, 7) / 7 + 1e5 * x; }
static double warmup(double x) { return x < 25 ? 2e5 * x : 5e6; }
static double flat(double x) { return 3e6; }
static double late_warmup(double x) { return x < 50 ? 1e5 * x : 5e6; }

int main(void) {
  trend_result r;
  fill(steady);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && r.rising && !r.flat, "s=%d", r.mk_s);
  CHECK(fabs(r.rate - 1e5) < 1, "rate %g", r.rate);
  fill(late);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && r.rising, "late: s=%d", r.mk_s);
  CHECK(fabs(r.rate - 1e5) < 0.1e5, "late rate %g", r.rate);
  fill(leaky_sawtooth);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && r.rising, "leaky sawtooth");
  CHECK(fabs(r.rate - 1e5) < 0.35 * 1e5, "leaky sawtooth rate %g", r.rate);
  fill(sawtooth);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && !r.rising && r.flat, "sawtooth");
  fill(warmup);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && !r.rising, "warm-up");
  fill(late_warmup); /* its plateau only in the last sixth: the end no longer rises */
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && !r.rising, "a warm-up ending in the last sixth");
  fill(flat);
  CHECK(trend_test(t, y, N, 0, 59, 1e5, &r) == 0 && !r.rising && r.flat, "flat");
  fill(steady);
  CHECK(trend_test(t, y, N, 0, 59, 1e7, &r) == 0 && !r.rising, "a rise below the floor");
  CHECK(trend_test(t, y, 20, 0, 59, 1e5, &r) == -1, "empty sixths");
  return failures != 0;
}
