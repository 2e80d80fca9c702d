/*
 * render/trace.h: the heap over time as a Chrome Trace Event JSON file for
 * Perfetto (render/trace.c): counters of the live heap and of the largest sites at
 * every snapshot a run produces, instant events for the snapshots' reasons.
 */
#ifndef LEAKSCOPE_TRACE_H
#define LEAKSCOPE_TRACE_H

#include <stddef.h>

#include "model/snapshot.h"

typedef struct trace_log trace_log;

trace_log *trace_new(void); /* NULL when out of memory */
/* Add one (symbolized) snapshot, at its duration_ns since the start; 0 or -1 (out of memory). */
int trace_add(trace_log *t, const snapshot *snap);
/* Write the file (through PATH.tmp); 0, or -1 with a reason in err. */
int trace_write(const trace_log *t, const char *path, const char *process_name, int pid, char *err,
                size_t errlen);
void trace_free(trace_log *t);

#endif
