/*
 * record.h: what the agent does with each allocation and free, behind the
 * shims of hooks.c.  The fast paths are here, inline: in sample mode an
 * allocation that is not sampled and a free of a pointer that cannot be a
 * sampled block touch this thread's countdown (a free: one global word)
 * and nothing else.  Everything else takes the slow paths of record.c:
 * nested calls, sampled allocations, and every call in full mode.
 */
#ifndef LEAKSCOPE_AGENT_RECORD_H
#define LEAKSCOPE_AGENT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "state.h"
#include "tstate.h"

/* How glibc is to be asked for a block. */
typedef enum {
  RECORD_MALLOC,   /* __libc_malloc(size) */
  RECORD_CALLOC,   /* __libc_calloc(n, size / n): zeroed by glibc */
  RECORD_MEMALIGN, /* __libc_memalign(align, size) */
  RECORD_VALLOC,   /* __libc_valloc(size) */
  RECORD_PVALLOC   /* __libc_pvalloc(size) */
} record_kind;

/* The slow paths.  record_alloc: size is the block's size in bytes (for
 * calloc n * its element size, checked for overflow by the caller). */
AG_HIDDEN void *record_alloc(record_kind kind, size_t align, size_t n, size_t size);
AG_HIDDEN void *record_realloc(void *old, size_t size);
/* A non-NULL pointer for which record_free_fast was false. */
AG_HIDDEN void record_free(void *p);
/* malloc_usable_size as the program must see it (a header is not its). */
AG_HIDDEN size_t record_usable_size(void *p);

/* Sample mode's fast path for an allocation of size bytes: true when it
 * is not sampled (it is counted, and glibc serves it untouched).  The
 * countdown is 0 outside sample mode, on threads not yet registered and
 * inside the agent (tstate.h), so there every call takes the slow path. */
static inline int record_sample_skip(size_t size) {
  ag_tstate *st = &ag_thread;
  uint64_t left = st->until_sample;
  if (AG_UNLIKELY(size >= left)) return 0;
  st->until_sample = left - size;
  st->allocs++;
  return 1;
}

/* This thread's last counted allocation had bytes that are not the
 * program's (the agent's entries of a DTV): its bytes allocated less them. */
static inline void record_discount(size_t bytes) { ag_thread.bytes_allocated -= bytes; }

/* Sample mode's fast path for a free: true (and counted) when p cannot be
 * a sampled block, which are page-aligned.  The mask is 0 where the
 * countdown is (see above), so there every free takes the slow path. */
static inline int record_free_fast(const void *p) {
  ag_tstate *st = &ag_thread;
  if (AG_LIKELY(((uintptr_t)p & st->free_mask) != 0)) {
    st->frees++;
    return 1;
  }
  return 0;
}

#endif
