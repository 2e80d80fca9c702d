/*
 * record.c: the slow paths of allocation and free (the fast ones are
 * inline in record.h), read top to bottom:
 *
 *   1. A block with a header (blocks.h) is one the agent placed: a free or
 *      realloc of it always goes through its header, whatever the agent's
 *      state now (even after the exit snapshot).  Any other pointer was
 *      allocated before tracking, or by the agent's passing calls, and goes
 *      to glibc as it is.
 *   2. record_enter: the agent is off (or not yet on): glibc serves the
 *      call untouched.
 *   3. The guard is set: the call is nested in the agent's own work (the
 *      agent, libgcc's unwinder, ld.so inside the agent's dlopen).  Its
 *      block is an internal one: it gets a header with the internal stack
 *      id, is never reported or counted, but is scanned as a root in full
 *      mode, since it can hold the program's pointers (a link map in
 *      ld.so's list points at the next library's).  In sample mode an
 *      internal block is page-aligned, like a sampled one, so that its
 *      free (glibc may free it later on the program's behalf, as
 *      __libc_freeres does) takes the slow path and is not counted.
 *      Unless, in full mode, a signal handler that interrupted the agent
 *      made the call: then it is the program's (record_handler_capture).
 *   4. Sample mode: the countdown decides; a sampled block is allocated
 *      page-aligned (so that frees of other pointers skip the sampled set)
 *      and recorded with its stack and weight, with the program's
 *      asynchronous signals held back meanwhile (a handler that allocates
 *      must not re-enter glibc's memalign: sys_block_async_signals), and
 *      again while it is freed or reallocated (record_sample_free); a
 *      handler's own call is not sampled (record_sample_capture).
 *   5. Full mode: every block gets a header with its size and stack, and is
 *      zero-filled unless glibc zeroed it, so that stale data never acts as
 *      a pointer in the leak scan (memcheck ignores never-written words).
 *      Each allocation, free and realloc of the program's notes itself in
 *      the thread's state while its headers and counts change, so that a
 *      child forked meanwhile by another thread finds the totals agreeing
 *      with the headers (threads_after_fork_child).
 * A thread leaving the agent parks if the exit scan is stopping the world.
 */
#include "record.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "blocks.h"
#include "glibc.h"
#include "lifetimes.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"
#include "sys.h"
#include "threads.h"
#include "ticks.h"
#include "trigger.h"
#include "unwind.h"
#include "world.h"

#define RECORD_PAGE_SHIFT 12

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

/* The same for a sampled allocation, which held the program's
 * asynchronous signals back (mask: what to put back) while it was inside
 * glibc's memalign and the agent: a handler that allocates would re-enter
 * glibc's arena, which the program's own call would not have entered (its
 * block came from the thread's cache); it runs once the mask is back. */
static inline void record_leave_unblocking(ag_tstate *st, int was, uint64_t mask) {
  guard_leave(st, was);
  sys_unblock_signals(mask);
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

/* ---- the operation under way ----------------------------------------------- */

/* Full mode's program blocks: the thread's counters before the operation,
 * and the block it frees (NULL: none) with the sizes it counts; then the
 * headers change, then the counts (tstate.h).  The compiler fences keep
 * that order, since a child forked by another thread sees a prefix of this
 * thread's stores (the thread runs on until one of them faults on a page
 * fork made copy-on-write, and waits there), whichever page each is in. */
static inline void record_op_begin(ag_tstate *st, const void *old, size_t old_size, size_t new_size) {
  st->op_allocs = st->allocs;
  st->op_frees = st->frees;
  st->op_bytes_allocated = st->bytes_allocated;
  st->op_bytes_freed = st->bytes_freed;
  st->op_old_size = old_size;
  st->op_new_size = new_size;
  st->op_new = 0;
  st->op_old = old != NULL ? ~(uintptr_t)old : 0;
  atomic_signal_fence(memory_order_seq_cst);
  st->op_under_way = 1;
  atomic_signal_fence(memory_order_seq_cst);
}

/* The block being made will be at p (its header is placed next). */
static inline void record_op_new(uintptr_t p) {
  ag_thread.op_new = ~p;
  atomic_signal_fence(memory_order_seq_cst);
}

static inline void record_op_end(ag_tstate *st) {
  atomic_signal_fence(memory_order_seq_cst);
  st->op_under_way = 0;
}

/* ---- blocks with a header ------------------------------------------------ */

/* The offset of a block's header-bearing start for this request, as a
 * shift: 16 bytes, the asked alignment, or a page; min_shift is the least
 * the caller wants. */
static unsigned record_shift(record_kind kind, size_t align, unsigned min_shift) {
  unsigned shift = min_shift;
  if (kind == RECORD_VALLOC || kind == RECORD_PVALLOC) shift = RECORD_PAGE_SHIFT;
  else if (kind == RECORD_MEMALIGN)
    while (((size_t)1 << shift) < align) shift++;
  return shift > min_shift ? shift : min_shift;
}

/* A block of size bytes for the program with a header of stack, born at
 * that time (the program's pointer, NULL when glibc has none).  *zeroed:
 * glibc zeroed it. */
static void *record_with_header(record_kind kind, size_t align, size_t size, uint32_t stack, uint64_t born,
                                unsigned min_shift, int *zeroed) {
  if (kind == RECORD_PVALLOC) size = (size + 4095) & ~(size_t)4095; /* pvalloc's pages are the program's */
  unsigned shift = record_shift(kind, align, min_shift);
  size_t offset = (size_t)1 << shift, total;
  if (__builtin_add_overflow(size, offset, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  *zeroed = kind == RECORD_CALLOC;
  void *q = shift == BLOCKS_MIN_SHIFT ? (*zeroed ? __libc_calloc(1, total) : __libc_malloc(total))
                                      : __libc_memalign(offset, total);
  if (q == NULL) return NULL;
  if (*zeroed && shift != BLOCKS_MIN_SHIFT) memset(q, 0, total);
  if (stack != BLOCKS_STACK_INTERNAL) record_op_new((uintptr_t)q + offset);
  void *p = blocks_place(q, shift, size, stack, born, 0);
  if (p == NULL) { /* a slack too large to keep (huge pages): again, with room for the size */
    __libc_free(q);
    return record_with_header(kind, align, size, stack, born, BLOCKS_MIN_SHIFT + 1, zeroed);
  }
  return p;
}

/* ---- nested calls: internal blocks --------------------------------------- */

static void *record_internal_alloc(record_kind kind, size_t align, size_t size) {
  int zeroed;
  unsigned shift = options_sample_mode() ? RECORD_PAGE_SHIFT : BLOCKS_MIN_SHIFT;
  return record_with_header(kind, align, size, BLOCKS_STACK_INTERNAL, 0, shift, &zeroed);
}

/* ---- stacks ---------------------------------------------------------------- */

/* The caller's stack id; its allocation counts grow by objects and bytes
 * (sample mode: objects x 1000 and the unbiased bytes).  The same stack as
 * this thread's last capture keeps its id without being looked up. */
/* An allocation made on behalf of an entry point hooks.c notes (operator
 * new[], which reaches malloc through libstdc++'s operator new): its
 * stack from the entry point's caller on, under one frame standing for
 * the entry point, as memcheck shows it (memcheck replaces operator new[]
 * itself).  The note is used once.  The new depth. */
static int record_entry_stack(ag_tstate *st, uintptr_t *pcs, int depth) {
  uintptr_t ret = st->entry_ret;
  st->entry_ret = 0;
  for (int k = 0; k < depth; k++) {
    if (pcs[k] != ret) continue;
    int kept = depth - k < UNWIND_MAX_DEPTH ? depth - k : UNWIND_MAX_DEPTH - 1;
    memmove(pcs + 1, pcs + k, (size_t)kept * sizeof *pcs);
    pcs[0] = st->entry_pc;
    return kept + 1;
  }
  return depth;
}

/* The caller's stack, as unwind_capture gives it (known: its tag). */
typedef struct {
  uintptr_t pcs[UNWIND_MAX_DEPTH];
  int depth;
  uint32_t known;
} record_capture;

/* The program's call into the agent, for the capture to start from: the
 * frame address of the function the hook reached by a tail call
 * (record_alloc, record_realloc), which __builtin_frame_address gives a
 * frame pointer, so that [0] is the caller's RBP and [1] the return
 * address (unwind.h).  Inlined, as record_full_alloc is: each frame of the
 * agent's the walk would have to step through costs a rule lookup. */
#define RECORD_ENTRY() ((const uintptr_t *)__builtin_frame_address(0))

static inline __attribute__((always_inline)) void record_capture_here(record_capture *c, const uintptr_t *entry) {
  c->depth = unwind_capture(c->pcs, ag_opt.depth, &c->known, ag_thread.entry_ret != 0, entry);
}

/* The captured stack's id, its allocation counts grown; tags the capture. */
static inline __attribute__((always_inline)) uint32_t record_stack_of(record_capture *c, uint64_t objects,
                                                                      uint64_t bytes) {
  ag_tstate *st = &ag_thread;
  uint32_t stack;
  if (AG_UNLIKELY(st->entry_ret != 0)) {
    /* not the stack the capture saw: neither reused nor kept for reuse */
    stack = stacktab_intern(c->pcs, record_entry_stack(st, c->pcs, c->depth));
    unwind_tag(0);
  } else {
    stack = c->known != 0 ? c->known : stacktab_intern(c->pcs, c->depth);
    unwind_tag(stack);
  }
  stacktab_entry *e = stacktab_get(stack);
  if (e != NULL) {
    atomic_fetch_add_explicit(&e->alloc_objects, objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->alloc_bytes, bytes, memory_order_relaxed);
  }
  return stack;
}

static inline __attribute__((always_inline)) uint32_t record_stack_here(uint64_t objects, uint64_t bytes,
                                                                       const uintptr_t *entry) {
  record_capture c;
  record_capture_here(&c, entry);
  return record_stack_of(&c, objects, bytes);
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

/* A page-aligned block for a sampled allocation.  valloc and pvalloc
 * blocks are (and pvalloc's size is rounded up to pages, which the program
 * may use); calloc's must be zeroed. */
static void *record_page_block(record_kind kind, size_t align, size_t n, size_t size) {
  if (kind == RECORD_VALLOC || kind == RECORD_PVALLOC || (kind == RECORD_MEMALIGN && align >= AG_SAMPLE_ALIGN))
    return record_glibc(kind, align, n, size);
  void *p = __libc_memalign(AG_SAMPLE_ALIGN, size);
  if (p != NULL && kind == RECORD_CALLOC) memset(p, 0, size);
  return p;
}

/* The stack of an allocation that fell due for sampling, captured before
 * its block is allocated; false when the caller is a signal handler (the
 * capture crossed a signal frame): then the call is not sampled, and glibc
 * serves it as it would without the agent.  memalign would take the
 * handler into glibc's arena, and free its block's leading and trailing
 * parts into any of the thread cache's bins, where the interrupted code
 * may be in the middle of its own malloc. */
static int record_sample_capture(record_capture *c, const uintptr_t *entry) {
  (void)unwind_in_signal_handler(); /* a flag left by an earlier capture */
  record_capture_here(c, entry);
  if (!unwind_in_signal_handler()) return 1;
  unwind_tag(0);
  return 0;
}

static void record_sample(void *p, size_t size, record_capture *c) {
  double weight = sampler_weight(size);
  uint32_t stack =
      record_stack_of(c, (uint64_t)(weight * 1000.0 + 0.5), (uint64_t)(weight * (double)size + 0.5));
  sampler_record((uintptr_t)p, size, stack, weight);
  if (AG_UNLIKELY(ag_opt.budget.bytes != 0)) trigger_check_budget(); /* once per sample */
}

/* Whether p, a block without a header, may be a sampled one: page-aligned
 * and possibly in the sampled set (glibc also hands a freed sampled
 * block's address out again to the program). */
static inline int record_maybe_sampled(const void *p) {
  return record_page_aligned(p) && sampler_may_hold((uintptr_t)p);
}

/* The program frees a block without a header in sample mode.  A sampled
 * block leaves the sampled set and goes back to glibc with the program's
 * asynchronous signals held back: its chunk came from memalign, whose
 * split-off parts fill the thread cache's bins, so glibc's free may take
 * the arena lock where the program's own block would have gone to the
 * cache, and a handler that allocates would then wait for that lock
 * forever; and a handler's free of a sampled block, nested meanwhile,
 * would not reach the sampled set. */
static void record_sample_free(ag_tstate *st, void *p) {
  if (AG_LIKELY(!record_maybe_sampled(p))) {
    __libc_free(p);
    return;
  }
  uint64_t mask = sys_block_async_signals();
  int was = guard_enter(st, GUARD_AGENT);
  sampler_remove((uintptr_t)p);
  __libc_free(p);
  guard_leave(st, was);
  sys_unblock_signals(mask);
}

/* ---- full mode ----------------------------------------------------------------- */

static inline int record_zero_fill_wanted(const void *glibc_block, size_t size) {
  return ag_opt.zero && size > 0 && !glibc_chunk_is_mmapped(glibc_block); /* mmapped chunks are fresh pages */
}

/* Count the new block at p, and check the budget now and then. */
static void record_count_alloc(ag_tstate *st, const void *p, size_t size) {
  st->allocs++;
  st->bytes_allocated += size;
  st->last_block = ~(uintptr_t)p;
  threads_note_live(st, (int64_t)size);
  if (AG_UNLIKELY(ag_opt.budget.bytes != 0) && (st->until_budget -= (int64_t)size) <= 0) {
    st->until_budget = TRIGGER_BUDGET_STRIDE;
    trigger_check_budget();
  }
}

/* A new full-mode block's time of birth (0: lifetimes are not kept). */
static inline uint64_t record_born(void) { return ag_opt.lifetimes ? ticks_now() : 0; }

/* A full-mode block: header, zero fill, counts. */
static inline __attribute__((always_inline)) void *record_full_alloc(ag_tstate *st, record_kind kind, size_t align,
                                                                      size_t size, const uintptr_t *entry) {
  int zeroed;
  uint32_t stack = record_stack_here(1, size, entry);
  record_op_begin(st, NULL, 0, size);
  void *p = record_with_header(kind, align, size, stack, record_born(), BLOCKS_MIN_SHIFT, &zeroed);
  if (p != NULL) {
    blocks_info b;
    if (!zeroed && blocks_get(p, &b) && record_zero_fill_wanted(b.glibc, size)) memset(p, 0, size);
    record_count_alloc(st, p, size);
  }
  record_op_end(st);
  return p;
}

/* The program's block p (its header said b) is freed or reallocated by
 * thread st: the counts, the live total and its lifetime. */
static void record_count_free(ag_tstate *st, const void *p, const blocks_info *b) {
  st->frees++;
  st->bytes_freed += b->size;
  threads_note_live(st, -(int64_t)b->size);
  int temporary = ~(uintptr_t)p == st->last_block;
  if (temporary) st->last_block = 0;
  if (b->born != 0 && !st->retired) lifetimes_note(st, b->stack, ticks_since(b->born, ticks_now()), temporary);
}

/* A block with a header is freed: its counts (when it is the program's and
 * the agent is on), then glibc. */
static void record_free_headed(void *p, const blocks_info *b) {
  if (b->stack != BLOCKS_STACK_INTERNAL && state_active()) {
    ag_tstate *st = threads_self();
    record_op_begin(st, p, b->size, 0);
    blocks_forget(p);
    record_count_free(st, p, b);
    record_op_end(st);
  } else {
    blocks_forget(p);
  }
  __libc_free(b->glibc);
}

/* ---- a signal handler's calls inside the agent (full mode) -------------------- */

/* A nested call's stack when a signal handler made it, having interrupted
 * the agent's work on this thread (or a library the agent called): the
 * program's call, to be recorded without touching what the interrupted
 * code may be in the middle of (the fast walk's record, the stack table's
 * insert, the thread's counters and lifetimes).  -1 for the agent's own
 * nested calls.  Sample mode holds signals back on its allocation paths
 * instead (record_leave_unblocking). */
static int record_handler_capture(const ag_tstate *st, uintptr_t *pcs) {
  if (st->guard != GUARD_AGENT || options_sample_mode() || !state_active()) return -1;
  return unwind_capture_in_handler(pcs, ag_opt.depth);
}

/* The handler's stack id, counted for an allocation of size bytes; 0
 * (unknown) when it is new and the handler interrupted this thread's own
 * insert into the stack table. */
static uint32_t record_handler_stack(const uintptr_t *pcs, int depth, size_t size) {
  uint32_t stack = stacktab_intern_in_handler(pcs, depth);
  stacktab_entry *e = stacktab_get(stack);
  if (e != NULL) {
    atomic_fetch_add_explicit(&e->alloc_objects, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->alloc_bytes, size, memory_order_relaxed);
  }
  return stack;
}

/* A handler's block: as record_full_alloc's, counted in the shared counters. */
static void *record_handler_alloc(record_kind kind, size_t align, size_t size, const uintptr_t *pcs, int depth) {
  int zeroed;
  uint32_t stack = record_handler_stack(pcs, depth, size);
  uintptr_t interrupted_op_new = ag_thread.op_new; /* record_with_header notes its block there */
  void *p = record_with_header(kind, align, size, stack, record_born(), BLOCKS_MIN_SHIFT, &zeroed);
  ag_thread.op_new = interrupted_op_new;
  if (p == NULL) return NULL;
  blocks_info b;
  if (!zeroed && blocks_get(p, &b) && record_zero_fill_wanted(b.glibc, size)) memset(p, 0, size);
  threads_count_in_handler(1, size);
  return p;
}

/* A nested free of a block with a header (a handler's, or a library's the
 * agent called): the program's block is counted in the shared counters. */
static void record_free_nested(void *p, const blocks_info *b) {
  blocks_forget(p);
  if (b->stack != BLOCKS_STACK_INTERNAL) threads_count_in_handler(0, b->size);
  __libc_free(b->glibc);
}

/* A handler's realloc (old: NULL, or a block with a header when b is
 * set, or one from before tracking): always into a new block. */
static void *record_handler_realloc(void *old, const blocks_info *b, size_t size, const uintptr_t *pcs,
                                    int depth) {
  void *p = record_handler_alloc(RECORD_MALLOC, 0, size, pcs, depth);
  if (p == NULL || old == NULL) return p;
  size_t old_size = b != NULL ? b->size : glibc_usable_size(old);
  memcpy(p, old, old_size < size ? old_size : size);
  if (b != NULL) record_free_nested(old, b);
  else __libc_free(old);
  return p;
}

/* A call made while the guard is up: a handler's, or an internal block. */
static void *record_nested_alloc(const ag_tstate *st, record_kind kind, size_t align, size_t size) {
  uintptr_t pcs[UNWIND_MAX_DEPTH];
  int depth = record_handler_capture(st, pcs);
  if (depth >= 0) return record_handler_alloc(kind, align, size, pcs, depth);
  return record_internal_alloc(kind, align, size);
}

/* ---- the slow paths ------------------------------------------------------------- */

void *record_alloc(record_kind kind, size_t align, size_t n, size_t size) {
  ag_tstate *st = record_enter();
  if (st == NULL) return record_glibc(kind, align, n, size);
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) return record_nested_alloc(st, kind, align, size);
  if (options_sample_mode()) {
    if (AG_LIKELY(!record_sample_due(st, size))) return record_glibc(kind, align, n, size);
    uint64_t mask = sys_block_async_signals();
    int was = guard_enter(st, GUARD_AGENT);
    record_capture c;
    void *p;
    if (AG_UNLIKELY(!record_sample_capture(&c, RECORD_ENTRY()))) {
      p = record_glibc(kind, align, n, size);
    } else {
      p = record_page_block(kind, align, n, size);
      if (p != NULL) record_sample(p, size, &c);
    }
    record_leave_unblocking(st, was, mask);
    return p;
  }
  int was = guard_enter(st, GUARD_AGENT);
  void *p = record_full_alloc(st, kind, align, size, RECORD_ENTRY());
  record_leave(st, was);
  return p;
}

/* The program frees a block with a header: record_free_headed, counted
 * under the guard, so that a signal handler interrupting the count is
 * seen as nested.  (Only full mode gives the program's blocks a header.) */
static void record_free_tracked(void *p, const blocks_info *b) {
  if (b->stack == BLOCKS_STACK_INTERNAL || !state_active()) {
    record_free_headed(p, b);
    return;
  }
  ag_tstate *st = threads_self();
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) {
    record_free_nested(p, b);
    return;
  }
  guard_enter_full(st);
  record_op_begin(st, p, b->size, 0);
  blocks_forget(p);
  record_count_free(st, p, b);
  record_op_end(st);
  __libc_free(b->glibc);
  guard_leave_full(st);
}

void record_free(void *p) {
  blocks_info b;
  if (blocks_get(p, &b)) {
    record_free_tracked(p, &b);
    world_park_if_requested();
    return;
  }
  ag_tstate *st = record_enter();
  if (st == NULL || st->guard != GUARD_NONE) {
    __libc_free(p);
    return;
  }
  if (options_sample_mode()) {
    st->frees++;
    record_sample_free(st, p);
  } else {
    __libc_free(p); /* full mode: a block from before tracking, not counted */
  }
  world_park_if_requested();
}

size_t record_usable_size(void *p) {
  blocks_info b;
  if (blocks_get(p, &b)) return glibc_usable_size(b.glibc) - ((size_t)1 << b.shift);
  return glibc_usable_size(p);
}

/* realloc of a block with a header: in place through glibc when the
 * offset is the plain one, else into a new block; stack is the new
 * block's (internal for nested calls). */
static void *record_realloc_headed(ag_tstate *st, void *old, const blocks_info *b, size_t size, int nested,
                                   const uintptr_t *entry) {
  if (b->shift == BLOCKS_MIN_SHIFT && !options_sample_mode()) {
    uint32_t stack = nested ? BLOCKS_STACK_INTERNAL : record_stack_here(1, size, entry);
    size_t total;
    if (__builtin_add_overflow(size, (size_t)BLOCKS_HEADER, &total)) {
      errno = ENOMEM;
      return NULL;
    }
    int counted_old = !nested && b->stack != BLOCKS_STACK_INTERNAL;
    if (!nested) record_op_begin(st, counted_old ? old : NULL, b->size, size);
    blocks_header saved = blocks_take(old);
    void *q = __libc_realloc(b->glibc, total);
    if (q == NULL) { /* the old block stays, with its header */
      blocks_put_back(old, saved);
      if (!nested) record_op_end(st);
      return NULL;
    }
    uint64_t born = nested ? 0 : record_born();
    if (!nested) record_op_new((uintptr_t)q + BLOCKS_HEADER);
    void *p = blocks_place(q, BLOCKS_MIN_SHIFT, size, stack, born, 0);
    if (p == NULL) { /* its slack is too large to keep (huge pages): moved into a block with room */
      int zeroed;
      p = record_with_header(RECORD_MALLOC, 0, size, stack, born, BLOCKS_MIN_SHIFT + 1, &zeroed);
      if (p != NULL) {
        memcpy(p, (char *)q + BLOCKS_HEADER, b->size < size ? b->size : size);
        __libc_free(q);
      } else {
        if (!nested) record_op_new((uintptr_t)q + BLOCKS_HEADER);
        p = blocks_place(q, BLOCKS_MIN_SHIFT, size, stack, born, 1);
      }
    }
    if (!nested && size > b->size) {
      blocks_info now;
      if (blocks_get(p, &now) && record_zero_fill_wanted(now.glibc, size)) memset((char *)p + b->size, 0, size - b->size);
    }
    if (counted_old) record_count_free(st, old, b);
    if (!nested) {
      record_count_alloc(st, p, size);
      record_op_end(st);
    }
    return p;
  }
  void *p =
      nested ? record_internal_alloc(RECORD_MALLOC, 0, size) : record_full_alloc(st, RECORD_MALLOC, 0, size, entry);
  if (p == NULL) return NULL;
  memcpy(p, old, b->size < size ? b->size : size);
  record_free_headed(old, b);
  return p;
}

void *record_realloc(void *old, size_t size) {
  blocks_info b;
  int headed = blocks_get(old, &b);
  ag_tstate *st = record_enter();
  if (st == NULL) {
    if (!headed) return __libc_realloc(old, size);
    if (size == 0) { /* after the exit snapshot: the block goes, glibc's way */
      record_free_headed(old, &b);
      return NULL;
    }
    blocks_header saved = blocks_take(old);
    void *q = __libc_realloc(b.glibc, size + ((size_t)1 << b.shift));
    if (q == NULL) {
      blocks_put_back(old, saved);
      return NULL;
    }
    return blocks_place(q, b.shift, size, b.stack, 0, 1);
  }
  if (old != NULL && size == 0) { /* glibc frees and returns NULL */
    if (record_free_fast(old)) __libc_free(old);
    else record_free(old);
    return NULL;
  }
  if (AG_UNLIKELY(st->guard != GUARD_NONE)) {
    uintptr_t pcs[UNWIND_MAX_DEPTH];
    int depth = record_handler_capture(st, pcs);
    if (depth >= 0) return record_handler_realloc(old, headed ? &b : NULL, size, pcs, depth);
    if (headed) return record_realloc_headed(st, old, &b, size, 1, NULL);
    if (old == NULL) return record_internal_alloc(RECORD_MALLOC, 0, size);
    return __libc_realloc(old, size);
  }
  if (old == NULL) return record_alloc(RECORD_MALLOC, 0, 0, size);
  if (options_sample_mode()) {
    if (headed) { /* the program reallocates an internal block: it becomes the program's */
      void *p = record_alloc(RECORD_MALLOC, 0, 0, size);
      if (p != NULL) {
        memcpy(p, old, b.size < size ? b.size : size);
        record_free_headed(old, &b);
      }
      return p;
    }
    /* a new sampling decision for the new block, as jemalloc's prof_realloc;
     * a sampled old block leaves the sampled set, and is reallocated with
     * signals held back, as record_sample_free frees one */
    st->frees++;
    int due = record_sample_due(st, size), old_sampled = record_maybe_sampled(old);
    if (AG_LIKELY(!due && !old_sampled)) return __libc_realloc(old, size);
    uint64_t mask = sys_block_async_signals();
    int was = guard_enter(st, GUARD_AGENT);
    if (old_sampled) sampler_remove((uintptr_t)old);
    record_capture c;
    void *p;
    if (!due || AG_UNLIKELY(!record_sample_capture(&c, RECORD_ENTRY()))) {
      p = __libc_realloc(old, size);
    } else {
      size_t old_size = glibc_usable_size(old);
      p = __libc_memalign(AG_SAMPLE_ALIGN, size);
      if (p != NULL) {
        memcpy(p, old, old_size < size ? old_size : size);
        __libc_free(old);
        record_sample(p, size, &c);
      }
    }
    record_leave_unblocking(st, was, mask);
    return p;
  }
  int was = guard_enter(st, GUARD_AGENT);
  void *p;
  if (headed) {
    p = record_realloc_headed(st, old, &b, size, 0, RECORD_ENTRY());
  } else { /* a block from before tracking: the new one is tracked */
    size_t old_size = glibc_usable_size(old);
    p = record_full_alloc(st, RECORD_MALLOC, 0, size, RECORD_ENTRY());
    if (p != NULL) {
      memcpy(p, old, old_size < size ? old_size : size);
      __libc_free(old);
    }
  }
  record_leave(st, was);
  return p;
}
