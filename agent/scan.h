/*
 * scan.h: the leak check (scan.c): with every other thread parked, what
 * is still reachable from the roots, and memcheck's classification of the
 * rest, written as the snapshot's "leak" lines (and, if asked, the
 * retention graph's "r" lines; docs/FORMAT.md).
 */
#ifndef LEAKSCOPE_AGENT_SCAN_H
#define LEAKSCOPE_AGENT_SCAN_H

#include <stdint.h>

#include "base.h"
#include "blocks.h"
#include "sys.h"
#include "world.h"

typedef struct {
  const world_thread *threads; /* the parked threads (their stacks and registers) */
  int nthreads;
  uintptr_t self_sp;       /* the scanning thread's stack pointer: below it is the scan's own */
  int agent_tls_modules;   /* DTV entries the agent's own TLS modules add to every thread's DTV */
  int retain;              /* also write the retention graph */
  int graph_only;          /* the retention graph alone: no leak records (a live snapshot) */
  /* where the blocks come from: blocks_foreach's headers when NULL, else
   * this (sample mode's chunk walk, chunks.h); in address order */
  int (*collect)(blocks_visit_fn fn, void *arg);
  pid_t self_tid;          /* the scanning thread as the graph names it; 0: the caller (a live
                            * snapshot's child names the control thread it is a copy of) */
} scan_request;

/* Run the leak check; 0, or -1 when it ran out of memory.  *agent_bytes:
 * the bytes of live blocks that are the agent's (its entries in the live
 * threads' DTVs), which the records leave out. */
AG_HIDDEN int scan_run(sys_writer *w, const scan_request *rq, uint64_t *agent_bytes);

#endif
