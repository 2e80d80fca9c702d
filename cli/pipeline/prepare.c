/*
 * pipeline/prepare.c: load -> symbolize -> suppress -> retain -> sort (see
 * pipeline/prepare.h).
 */
#include "pipeline/prepare.h"

#include "analyze/retain.h"
#include "analyze/symbolize.h"
#include "read/load.h"
#include "util/msg.h"

/* A step's result: 0 when it worked or only warned (warn set), else -1. */
static int prepare_step(int rc, int warn, const char *err) {
  if (rc == 0) return 0;
  if (!warn) return -1;
  warnf("%s", err);
  return 0;
}

int prepare_snapshot(snapshot *snap, const prepare_opts *o, char *err, size_t errlen) {
  unsigned f = o->flags;
  if ((f & (PREPARE_SYMBOLIZE | PREPARE_SYMBOLIZE_WARN)) && !snap->symbolized &&
      prepare_step(symbolize_snapshot(snap, err, errlen), f & PREPARE_SYMBOLIZE_WARN, err) != 0)
    return -1;
  if (f & PREPARE_SUPPRESS)
    for (int i = 0; i < o->nsupp; i++) supp_apply(o->supp[i], snap);
  if ((f & (PREPARE_RETAIN | PREPARE_RETAIN_WARN)) && snap->graph != NULL && snap->retention == NULL &&
      prepare_step(retain_compute(snap, err, errlen), f & PREPARE_RETAIN_WARN, err) != 0)
    return -1;
  if (f & PREPARE_SORT) snap_sort_leaks(snap);
  return 0;
}

snapshot *prepare_load(const char *path, const prepare_opts *o, char *err, size_t errlen) {
  snapshot *snap = load_snapshot(path, err, errlen);
  if (snap != NULL && prepare_snapshot(snap, o, err, errlen) != 0) {
    snap_free(snap);
    return NULL;
  }
  return snap;
}
