/*
 * pipeline/prepare.h: how every command gets a snapshot ready, written
 * once (pipeline/prepare.c): load it (read/load.h), symbolize it
 * (analyze/symbolize.h), mark suppressed records (analyze/supp.h), compute
 * retention from its graph (analyze/retain.h), sort its leak records, each
 * step when the flags ask for it.  The pipeline is the layer above read/
 * and analyze/, below the gate, the HTTP server and the commands.
 */
#ifndef LEAKSCOPE_PIPELINE_PREPARE_H
#define LEAKSCOPE_PIPELINE_PREPARE_H

#include <stddef.h>

#include "analyze/supp.h"
#include "model/snapshot.h"

/* The steps, in the order they run.  A step that fails is an error, or
 * with its _WARN flag a warning (one line on stderr) and the snapshot goes
 * on without it. */
enum {
  PREPARE_SYMBOLIZE = 1 << 0,      /* functions and lines, unless it came with them */
  PREPARE_SYMBOLIZE_WARN = 1 << 1, /* the same, a failure only warned about */
  PREPARE_SUPPRESS = 1 << 2,       /* apply supp[0..nsupp-1], in order */
  PREPARE_RETAIN = 1 << 3,         /* retention from the graph, when it has one and no retention */
  PREPARE_RETAIN_WARN = 1 << 4,    /* the same, a failure only warned about */
  PREPARE_SORT = 1 << 5            /* leak records largest first (snap_sort_leaks) */
};

typedef struct {
  unsigned flags;
  supp_set *const *supp; /* PREPARE_SUPPRESS: the suppression sets */
  int nsupp;
} prepare_opts;

/* Run the steps o asks for on snap; 0, or -1 with a one-line reason in err. */
int prepare_snapshot(snapshot *snap, const prepare_opts *o, char *err, size_t errlen);

/* Load the file at path (any format read/load.h knows) and prepare it; a
 * new snapshot, or NULL with a one-line reason in err. */
snapshot *prepare_load(const char *path, const prepare_opts *o, char *err, size_t errlen);

#endif
