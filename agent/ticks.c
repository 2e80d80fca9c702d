/*
 * ticks.c: choosing and calibrating the lifetime clock (see ticks.h).
 */
#include "ticks.h"

#include <string.h>

#define TICKS_CALIBRATION_NS 1000000u
#define TICKS_TARGET_NS 32.0 /* a tick is the first power of two of cycles at least this long */

ticks_clock ticks = {0, TICKS_NS_SHIFT, (double)(1u << TICKS_NS_SHIFT)};

/* The kernel's clock source is the TSC: it found it constant and in step
 * on every CPU. */
static int ticks_kernel_uses_tsc(void) {
  char name[32];
  ssize_t n = sys_read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", name,
                            sizeof name - 1);
  if (n <= 0) return 0;
  name[n] = 0;
  return strncmp(name, "tsc\n", 4) == 0;
}

void ticks_init(void) {
  if (!ticks_kernel_uses_tsc()) return;
  uint64_t ns0 = sys_now_ns(), c0 = __rdtsc(), ns1, c1;
  do {
    ns1 = sys_now_ns();
    c1 = __rdtsc();
  } while (ns1 - ns0 < TICKS_CALIBRATION_NS);
  double cycles_per_ns = (double)(c1 - c0) / (double)(ns1 - ns0);
  if (!(cycles_per_ns > 0.01)) return;
  unsigned shift = 0;
  while (shift < 20 && (double)(1u << shift) / cycles_per_ns < TICKS_TARGET_NS) shift++;
  ticks.shift = shift;
  ticks.ns_per_tick = (double)(1u << shift) / cycles_per_ns;
  ticks.tsc = 1;
}
