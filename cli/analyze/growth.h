/*
 * analyze/growth.h: heap growth per allocation site between two sets of
 * snapshots (the gate's baseline rule and `leakscope diff`).
 *
 * Sites are matched across snapshots by their symbolized stack from the
 * user's code that allocated (the allocator's frames at the top folded,
 * model/frames.h): each frame is "function (file basename:line)", or
 * "file:line" without a function, or "module+0xoffset" when unsymbolized
 * - so two mallocs in one function are two sites, and two builds of the
 * same code, whose addresses differ, still match.  When the line numbers
 * moved between the builds, a site found only in the base and one found
 * only in the new snapshots whose keys differ in line numbers alone (the
 * only such pair) are one site.  Stacks with the same key are summed.
 * A snapshot without sites (a JSON report) contributes its leak records:
 * their bytes and blocks as in-use space and objects.
 */
#ifndef LEAKSCOPE_ANALYZE_GROWTH_H
#define LEAKSCOPE_ANALYZE_GROWTH_H

#include <stddef.h>
#include <stdint.h>

#include "model/sample_type.h"
#include "model/snapshot.h"

typedef struct {
  char *key;     /* frames separated by GROWTH_SEP, leaf first */
  int64_t base;  /* value in the base snapshots */
  int64_t now;   /* value in the new snapshots */
} growth_site;

#define GROWTH_SEP '\x1f'

typedef struct {
  growth_site *sites; /* by growth (now - base), largest first */
  uint32_t n;
  size_t cap;
  int64_t base_total, new_total;
} growth;

/* Compare the sum of base[] with the sum of now[].  0, or -1 with err. */
int growth_compute(snapshot *const *base, uint32_t nbase, snapshot *const *now, uint32_t nnow,
                   sample_type type, growth *out, char *err, size_t errlen);
void growth_free(growth *g);

/* Growth of now over base in percent; *infinite set when base is 0 and now
 * is not (the result is then 0). */
double growth_percent(int64_t base, int64_t now, int *infinite);

/* Frame i (0 = leaf) of a site key into buf; 0, or -1 past the last frame. */
int growth_frame(const char *key, unsigned i, char *buf, size_t buflen);

#endif
