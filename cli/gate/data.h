/*
 * gate/data.h: what the gate knows after reading its inputs.
 *
 * Inputs of any size are reduced to bounded data while they are read:
 * totals per leak kind, suppressed records per suppression name, the
 * GATE_KEEP largest records of each kind with their stacks (the offenders
 * of assert_result.json and the results of SARIF), the live heap of each
 * input, and the profiles (pprof or raw snapshots) for the baseline rule.
 * gate/data.c keeps the data; gate/collect.c reads the inputs into it.
 */
#ifndef LEAKSCOPE_GATE_DATA_H
#define LEAKSCOPE_GATE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

#define GATE_KEEP 1000       /* records kept per leak kind */
#define GATE_KEEP_FRAMES 64  /* frames kept per record */

typedef struct {
  uint64_t ip;
  char *fn, *file, *obj; /* file includes its directory when known; NULL if unknown */
  uint64_t line;
} gate_frame;

typedef struct {
  snap_kind kind;
  uint64_t bytes;          /* direct */
  uint64_t indirect_bytes;
  uint64_t blocks;
  uint32_t input;          /* index into gate_data.inputs */
  uint32_t nframes;
  gate_frame *frames;      /* innermost first */
} gate_record;

/* The kept records of one kind: a min-heap on bytes + indirect_bytes. */
typedef struct {
  gate_record *recs;
  uint32_t n;
  uint64_t seen;  /* records of this kind in all inputs */
  int sorted;     /* gate_data_sorted has ordered recs, largest first */
} gate_keep;

typedef struct {
  char *name;
  uint64_t count;
} gate_supp;

/* A root that alone keeps still-reachable memory alive (retention). */
typedef struct {
  char *root; /* its name, e.g. "global g_cache (server)" */
  uint64_t bytes, blocks;
  uint32_t input;
} gate_holder;

typedef struct {
  char *path;
  const char *format;   /* "valgrind-xml", "report", "profile" */
  int has_inuse;
  uint64_t inuse_bytes;
  int has_leak_check;   /* it holds a leak check's findings (a sample-mode report does not) */
  const char *mode;     /* "full" or "sample" (static strings) */
} gate_input;

typedef struct {
  gate_input *inputs;
  uint32_t ninputs;
  size_t cap_inputs;
  snap_amount kinds[SNAP_KIND_COUNT]; /* unsuppressed totals; bytes are direct */
  int blocks_unknown[SNAP_KIND_COUNT]; /* an input gave the bytes of a kind but not its blocks */
  uint64_t suppressed_records;
  gate_supp *supps;
  uint32_t nsupps;
  size_t cap_supps;
  gate_keep keep[SNAP_KIND_COUNT];
  snapshot **profiles;  /* pprof / raw inputs, for the baseline rule */
  uint32_t nprofiles;
  size_t cap_profiles;
  gate_holder *holders; /* the still-reachable memory's largest roots, from inputs with retention */
  uint32_t nholders;
  size_t cap_holders;
} gate_data;

gate_data *gate_data_new(void);
void gate_data_free(gate_data *d);

/* Register an input; its index, or -1 on OOM. */
int64_t gate_data_add_input(gate_data *d, const char *path, const char *format);
/* Offer a record (frames are copied if it is kept).  0, or -1 on OOM. */
int gate_data_add_record(gate_data *d, const gate_record *r);
/* Count n suppressed records under a suppression name. 0 or -1 on OOM. */
int gate_data_add_suppressed(gate_data *d, const char *name, uint64_t n);
/* Kept records of a kind, largest first (the first call sorts the heap in
 * place, so the records stay where they are from then on; no more records
 * may be added afterwards). */
const gate_record *gate_data_sorted(gate_data *d, snap_kind kind, uint32_t *n);

/* Read one input (Valgrind XML, leakscope JSON report, pprof profile or
 * raw snapshot, told apart by content) into d.  0, or -1 with a reason. */
int gate_collect(gate_data *d, const char *path, char *err, size_t errlen);

#endif
