/*
 * options.c: the agent's options, read once from LEAKSCOPE_OPTIONS
 * ("key=value" pairs separated by commas or spaces).  `leakscope run`
 * fills the variable; a user may set it by hand with LD_PRELOAD.
 *
 *   mode=full|sample     full tracking (default) or Poisson sampling
 *   sample=BYTES         sampling mode with this mean interval (K, M, G suffixes)
 *   out=PATTERN          raw snapshot file, %p = pid (default leakscope.%p.raw)
 *   depth=N              frames per stack (default 24, at most 64)
 *   target=PID           trace only this process and its forks, not exec'd programs
 *   trace_children=0|1   trace exec'd programs too
 *   zero=0|1             zero new blocks in full mode (default 1, as memcheck
 *                        ignores never-written words)
 *   leak_check=0|1       run the exit scan in full mode (default 1)
 *   stop_signal=N        signal used to park threads for the scan (default SIGRTMAX-3)
 *   control_signal=N     a signal that asks for a snapshot (default none)
 *   control_fd=N         the supervisor's control pipe (one byte = one snapshot)
 *   interval=SECONDS     write a snapshot every SECONDS
 *   budget=BYTES[:warn|dump|abort]   live-heap budget
 *   growth=PERCENT       write a snapshot when the live heap grows this much
 *                        over its mean of the last growth_window seconds
 *   growth_window=SECONDS  (default 60)
 *   quiet=1              no warnings on stderr
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

ag_options ag_opt;

static uint64_t options_size(const char *s, const char *end) {
  uint64_t v = 0;
  while (s < end && *s >= '0' && *s <= '9') v = v * 10 + (uint64_t)(*s++ - '0');
  if (s < end) {
    switch (*s) {
      case 'k': case 'K': v <<= 10; break;
      case 'm': case 'M': v <<= 20; break;
      case 'g': case 'G': v <<= 30; break;
      default: break;
    }
  }
  return v;
}

static double options_seconds(const char *s, const char *end) {
  double v = 0, scale = 0;
  for (; s < end; s++) {
    if (*s == '.') {
      scale = 1;
    } else if (*s >= '0' && *s <= '9') {
      if (scale > 0) {
        scale /= 10;
        v += (*s - '0') * scale;
      } else {
        v = v * 10 + (*s - '0');
      }
    } else {
      break;
    }
  }
  return v;
}

static int options_key(const char *k, size_t klen, const char *name) {
  return strlen(name) == klen && memcmp(k, name, klen) == 0;
}

static void options_set(const char *k, size_t klen, const char *v, const char *vend) {
  size_t vlen = (size_t)(vend - v);
  if (options_key(k, klen, "mode")) {
    ag_opt.sample_mode = vlen == 6 && memcmp(v, "sample", 6) == 0;
  } else if (options_key(k, klen, "sample")) {
    ag_opt.sample_mode = 1;
    uint64_t r = options_size(v, vend);
    if (r > 0) ag_opt.sample_interval = r;
  } else if (options_key(k, klen, "out")) {
    if (vlen < sizeof ag_opt.out) {
      memcpy(ag_opt.out, v, vlen);
      ag_opt.out[vlen] = 0;
    }
  } else if (options_key(k, klen, "depth")) {
    uint64_t d = options_size(v, vend);
    ag_opt.depth = d < 1 ? 1 : d > AG_MAX_DEPTH ? AG_MAX_DEPTH : (int)d;
  } else if (options_key(k, klen, "target")) {
    ag_opt.target_pid = (pid_t)options_size(v, vend);
  } else if (options_key(k, klen, "trace_children")) {
    ag_opt.trace_children = options_size(v, vend) != 0;
  } else if (options_key(k, klen, "zero")) {
    ag_opt.zero_fill = options_size(v, vend) != 0;
  } else if (options_key(k, klen, "leak_check")) {
    ag_opt.leak_check = options_size(v, vend) != 0;
  } else if (options_key(k, klen, "retain")) {
    ag_opt.retain = options_size(v, vend) != 0;
  } else if (options_key(k, klen, "stop_signal")) {
    ag_opt.stop_signal = (int)options_size(v, vend);
  } else if (options_key(k, klen, "control_signal")) {
    ag_opt.control_signal = (int)options_size(v, vend);
  } else if (options_key(k, klen, "control_fd")) {
    ag_opt.control_fd = (int)options_size(v, vend);
  } else if (options_key(k, klen, "interval")) {
    ag_opt.interval_seconds = options_seconds(v, vend);
  } else if (options_key(k, klen, "budget")) {
    ag_opt.budget_bytes = options_size(v, vend);
    const char *colon = memchr(v, ':', vlen);
    if (colon != NULL) {
      size_t alen = (size_t)(vend - colon - 1);
      if (alen == 4 && memcmp(colon + 1, "dump", 4) == 0) ag_opt.budget_action = AG_BUDGET_DUMP;
      else if (alen == 5 && memcmp(colon + 1, "abort", 5) == 0) ag_opt.budget_action = AG_BUDGET_ABORT;
      else ag_opt.budget_action = AG_BUDGET_WARN;
    }
  } else if (options_key(k, klen, "growth")) {
    ag_opt.growth_percent = options_seconds(v, vend);
  } else if (options_key(k, klen, "growth_window")) {
    ag_opt.growth_window_seconds = options_seconds(v, vend);
  } else if (options_key(k, klen, "quiet")) {
    ag_opt.quiet = options_size(v, vend) != 0;
  }
}

void options_parse(const char *text) {
  ag_opt.sample_mode = 0;
  ag_opt.sample_interval = 512 * 1024;
  ag_opt.depth = 24;
  strcpy(ag_opt.out, "leakscope.%p.raw");
  ag_opt.zero_fill = 1;
  ag_opt.leak_check = 1;
  ag_opt.retain = 1;
  ag_opt.stop_signal = SIGRTMAX - 3;
  ag_opt.control_fd = -1;
  ag_opt.growth_window_seconds = 60;
  if (text == NULL) return;
  const char *p = text;
  while (*p) {
    while (*p == ',' || *p == ' ') p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ',' && *p != ' ') p++;
    size_t klen = (size_t)(p - k);
    const char *v = p, *vend = p;
    if (*p == '=') {
      v = ++p;
      while (*p && *p != ',' && *p != ' ') p++;
      vend = p;
    }
    if (klen) options_set(k, klen, v, vend);
  }
}
