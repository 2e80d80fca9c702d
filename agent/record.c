/*
 * record.c: the slow paths of allocation and free (the fast ones are
 * inline in record.h), read top to bottom:
 *
 *   1. record_enter: the agent is off (or not yet on): glibc serves the
 *      call untouched.
 *   2. The guard is set: the call is nested in the agent's own work (the
 *      agent, libgcc's unwinder, ld.so inside the agent's dlopen).  Its
 *      block is kept as an internal one: never reported or counted, but
 *      scanned as a root in full mode, since it can hold the program's
 *      pointers (a link map in ld.so's list points at the next library's).
 *      In sample mode an internal block is page-aligned, like a sampled
 *      one, so that its free (glibc may free it later on the program's
 *      behalf, as __libc_freeres does) takes the slow path and is not
 *      counted as the program's.
 *   3. Sample mode: the countdown decides; a sampled block is allocated
 *      page-aligned (so that frees of other pointers skip the sampled set)
 *      and recorded with its stack and weight.
 *   4. Full mode: every block is recorded in the live table with its
 *      stack, and zero-filled unless glibc zeroed it, so that stale data
 *      never acts as a pointer in the leak scan (memcheck ignores
 *      never-written words).
 * A thread leaving the agent parks if the exit scan is stopping the world.
 */
#include "record.h"

#include <malloc.h>
#include <string.h>

#include "glibc.h"
#include "live.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"
#include "threads.h"
#include "trigger.h"
#include "unwind.h"
#include "world.h"

/* The calling thread's state when the agent is on, else NULL.  While the
 * agent sets itself up, only the set-up thread's nested calls are seen. */
static inline ag_tstate *record_enter(void) {
  if (AG_LIKELY(state_active())) return threads_self();
  if (state_phase() == AG_INITIALIZING && ag_state.tables_ready) {
    ag_tstate *st = threads_self();
    return st->guard != GUARD_NONE ? st : NULL;
  }
  return NULL;
}

static inline void record_leave(ag_tstate *st, int was) {
  guard_leave(st, was);
  world_park_if_requested();
}

static inline int record_page_aligned(const void *p) { return ((uintptr_t)p & (AG_SAMPLE_ALIGN - 1)) == 0; }

static void *record_glibc(record_kind kind, size_t align, size_t n, size_t size) {
  switch (kind) {
    case RECORD_MALLOC: return __libc_malloc(size);
    case RECORD_CALLOC: return __libc_calloc(n, n ? size / n : 0);
    case RECORD_MEMALIGN: return __libc_memalign(align, size);
    case RECORD_VALLOC: return __libc_valloc(size);
    case RECORD_PVALLOC: return __libc_pvalloc(size);
  }
  return NULL;
}

/* A page-aligned block (a sampled one, or an internal one in sample mode).
 * valloc and pvalloc blocks are (and pvalloc's size is rounded up to
 * pages, which the program may use); calloc's must be zeroed. */
static void *record_page_block(record_kind kind, size_t align, size_t n, size_t size) {
  if (kind == RECORD_VALLOC || kind == RECORD_PVALLOC || (kind == RECORD_MEMALIGN && align >= AG_SAMPLE_ALIGN))
    return record_glibc(kind, align, n, size);
  void *p = __libc_memalign(AG_SAMPLE_ALIGN, size);
  if (p != NULL && kind == RECORD_CALLOC) memset(p, 0, size);
  return p;
}

/* ---- the live table, from either mode ------------------------------------- */

static void record_insert(ag_tstate *st, void *p, size_t size, uint32_t stack) {
  int was = guard_enter(st, GUARD_TABLES);
  live_insert((uintptr_t)p, size, stack);
  guard_leave(st, was);
}

/* Take p out of the live table; 1 and its size and stack if it was there. */
static int record_remove(ag_tstate *st, const void *p, size_t *size, uint32_t *stack) {
  int was = guard_enter(st, GUARD_TABLES);
  int found = live_remove((uintptr_t)p, size, stack);
  guard_leave(st, was);
  return found;
}

/* ---- nested calls: internal blocks --------------------------------------- */

/* A nested call while this thread may hold live-table locks
 * (GUARD_TABLES) passes through untouched. */
static void *record_nested_alloc(ag_tstate *st, record_kind kind, size_t align, size_t n, size_t size) {
  if (st->guard >= GUARD_TABLES) return record_glibc(kind, align, n, size);
  void *p = options_sample_mode() ? record_page_block(kind, align, n, size) : record_glibc(kind, align, n, size);
  if (p != NULL) record_insert(st, p, size, LIVE_STACK_INTERNAL);
  return p;
}

static void record_nested_free(ag_tstate *st, void *p) {
  if (st->guard < GUARD_TABLES) record_remove(st, p, NULL, NULL);
  __libc_free(p);
}

static void *record_nested_realloc(ag_tstate *st, void *old, size_t size) {
  if (st->guard >= GUARD_TABLES) return __libc_realloc(old, size);
  if (old == NULL) return record_nested_alloc(st, RECORD_MALLOC, 0, 0, size);
  if (size == 0) {
    record_nested_free(st, old);
    return NULL;
  }
  size_t old_size = 0;
  uint32_t old_stack = LIVE_STACK_INTERNAL;
  int tracked = record_remove(st, old, &old_size, &old_stack);
  void *p;
  if (options_sample_mode()) { /* keep it page-aligned */
    p = __libc_memalign(AG_SAMPLE_ALIGN, size);
    if (p != NULL) {
      size_t keep = malloc_usable_size(old);
      memcpy(p, old, keep < size ? keep : size);
      __libc_free(old);
    }
  } else {
    p = __libc_realloc(old, size);
  }
  if (p != NULL) record_insert(st, p, size, LIVE_STACK_INTERNAL);
  else if (tracked) record_insert(st, old, old_size, old_stack);
  return p;
}

/* ---- stacks ---------------------------------------------------------------- */

/* The caller's stack id; its allocation counts grow by objects and bytes
 * (sample mode: objects x 1000 and the unbiased bytes). */
static uint32_t record_stack_here(uint64_t objects, uint64_t bytes) {
  uintptr_t pcs[UNWIND_MAX_DEPTH];
  int depth = unwind_capture(pcs, ag_opt.depth);
  uint32_t stack = stacktab_intern(pcs, depth);
  stacktab_entry *e = stacktab_get(stack);
  if (e != NULL) {
    atomic_fetch_add_explicit(&e->alloc_objects, objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->alloc_bytes, bytes, memory_order_relaxed);
  }
  return stack;
}

/* ---- sample mode ------------------------------------------------------------- */

/* Count down the bytes; true when this allocation is to be sampled.  Bytes
 * allocated are counted per gap (see threads_totals). */
static inline int record_sample_due(ag_tstate *st, size_t size) {
  st->allocs++;
  if (AG_LIKELY(size < st->until_sample)) {
    st->until_sample -= size;
    return 0;
  }
  st->bytes_allocated += st->sample_gap - st->until_sample + size;
  st->sample_gap = st->until_sample = (uint64_t)sampler_next_gap(&st->rng) + 1;
  return 1;
}

static void record_sample(void *p, size_t size) {
  double weight = sampler_weight(size);
  uint32_t stack =
      record_stack_here((uint64_t)(weight * 1000.0 + 0.5), (uint64_t)(weight * (double)size + 0.5));
  sampler_record((uintptr_t)p, size, stack, weight);
  if (AG_UNLIKELY(ag_opt.budget.bytes != 0)) trigger_check_budget(); /* once per sample */
}

/* A page-aligned block the program frees or reallocates: forget it where
 * the agent keeps it.  Returns 1 when it is the program's (to be counted),
 * 0 when it was an internal block. */
static int record_sample_forget(ag_tstate *st, void *p) {
  if (record_remove(st, p, NULL, NULL)) return 0; /* internal */
  if (sampler_may_hold((uintptr_t)p)) {
    int was = guard_enter(st, GUARD_AGENT);
    sampler_remove((uintptr_t)p);
    guard_leave(st, was);
  }
  return 1;
}

/* ---- full mode ----------------------------------------------------------------- */

static inline int record_zero_fill_wanted(const void *p, size_t size) {
  return ag_opt.zero && size > 0 && !glibc_chunk_is_mmapped(p); /* mmapped chunks are fresh pages */
}

/* Remember the block with its stack; zero it first unless glibc did.  Its
 * slot comes into the cache while the stack is unwound. */
static void record_full(ag_tstate *st, void *p, size_t size, int zero) {
  live_prefetch((uintptr_t)p);
  if (zero && record_zero_fill_wanted(p, size)) memset(p, 0, size);
  record_insert(st, p, size, record_stack_here(1, size));
  st->allocs++;
  st->bytes_allocated += size;
  if (AG_UNLIKELY(ag_opt.budget.bytes != 0) && (st->until_budget -= (int64_t)size) <= 0) {
    st->until_budget = TRIGGER_BUDGET_STRIDE;
    trigger_check_budget();
  }
}

/* A tracked block is gone: only the program's blocks count as frees
 * (internal ones were never counted as allocations). */
static inline void record_count_free(ag_tstate *st, int tracked, size_t size, uint32_t stack) {
  if (tracked && stack != LIVE_STACK_INTERNAL) {
    st->frees++;
    st->bytes_freed += size;
  }
}

/* Forget a tracked block; 1 and its size and stack if it was tracked. */
static int record_forget(ag_tstate *st, void *p, size_t *size, uint32_t *stack) {
  uint32_t id = 0;
  int tracked = record_remove(st, p, size, &id);
  record_count_free(st, tracked, *size, id);
  if (stack != NULL) *stack = id;
  return tracked;
}

/* ---- the slow paths ------------------------------------------------------------- */

void *record_alloc(record_kind kind, size_t align, size_t n, size_t size) {
  ag_tstate *st = record_enter();
  if (st == NULL) return record_glibc(kind, align, n, size);
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) return record_nested_alloc(st, kind, align, n, size);
  if (options_sample_mode()) {
    if (AG_LIKELY(!record_sample_due(st, size))) return record_glibc(kind, align, n, size);
    int was = guard_enter(st, GUARD_AGENT);
    void *p = record_page_block(kind, align, n, size);
    if (p != NULL) record_sample(p, size);
    record_leave(st, was);
    return p;
  }
  int was = guard_enter(st, GUARD_AGENT);
  void *p = record_glibc(kind, align, n, size);
  if (p != NULL) record_full(st, p, size, kind != RECORD_CALLOC);
  record_leave(st, was);
  return p;
}

void record_free(void *p) {
  ag_tstate *st = record_enter();
  if (st == NULL) {
    __libc_free(p);
    return;
  }
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) {
    record_nested_free(st, p);
    return;
  }
  if (options_sample_mode()) {
    /* A page-aligned pointer (or this thread's first free): a sampled or
     * an internal block, or one of the program's that glibc happened to
     * place there (it hands a freed sampled block's address out again). */
    if (!record_page_aligned(p) || record_sample_forget(st, p)) st->frees++;
    __libc_free(p);
    world_park_if_requested();
    return;
  }
  /* glibc frees the block while its slot comes into the cache */
  int was = guard_enter(st, GUARD_TABLES);
  size_t size = 0;
  uint32_t stack = 0;
  int tracked = live_remove_release((uintptr_t)p, __libc_free, &size, &stack);
  record_count_free(st, tracked, size, stack);
  record_leave(st, was);
}

void *record_realloc(void *old, size_t size) {
  ag_tstate *st = record_enter();
  if (st == NULL) return __libc_realloc(old, size);
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) return record_nested_realloc(st, old, size);
  if (old == NULL) return record_alloc(RECORD_MALLOC, 0, 0, size);
  if (size == 0) { /* glibc frees and returns NULL */
    if (record_free_fast(old)) __libc_free(old);
    else record_free(old);
    return NULL;
  }
  if (options_sample_mode()) {
    /* a new sampling decision for the new block, as jemalloc's prof_realloc */
    if (!record_page_aligned(old) || record_sample_forget(st, old)) st->frees++;
    if (AG_LIKELY(!record_sample_due(st, size))) return __libc_realloc(old, size);
    int was = guard_enter(st, GUARD_AGENT);
    size_t old_size = malloc_usable_size(old);
    void *p = __libc_memalign(AG_SAMPLE_ALIGN, size);
    if (p != NULL) {
      memcpy(p, old, old_size < size ? old_size : size);
      __libc_free(old);
      record_sample(p, size);
    }
    record_leave(st, was);
    return p;
  }
  live_prefetch((uintptr_t)old);
  int was = guard_enter(st, GUARD_AGENT);
  size_t old_size = 0;
  uint32_t old_stack = 0;
  int tracked = record_forget(st, old, &old_size, &old_stack);
  void *p = __libc_realloc(old, size);
  if (p == NULL) {
    if (tracked) { /* the old block stays */
      record_insert(st, old, old_size, old_stack);
      if (old_stack != LIVE_STACK_INTERNAL) {
        st->frees--;
        st->bytes_freed -= old_size;
      }
    }
  } else {
    if (tracked && size > old_size && record_zero_fill_wanted(p, size))
      memset((char *)p + old_size, 0, size - old_size);
    record_full(st, p, size, 0);
  }
  record_leave(st, was);
  return p;
}
