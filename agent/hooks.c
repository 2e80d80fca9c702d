/*
 * hooks.c: the interposed functions, and nothing else: the malloc family
 * (forwarded to glibc's __libc_* entry points, which need no dlsym and work
 * before any constructor), _exit/_Exit (so programs that skip exit() are
 * still checked), dlopen (RTLD_DEEPBIND would bypass these hooks) and
 * dlclose (the module map is kept for stacks inside unloaded objects).
 *
 * Every hook forwards untouched while the agent is off; a call made while
 * the agent is already working on this thread (the guard is set) is kept as
 * an internal block (full mode) and nothing more; otherwise the hook sets
 * the guard, records, clears it, and parks the thread if the exit scan is
 * stopping the world.
 * malloc_usable_size is not wrapped: blocks carry no header, so glibc's
 * answer is right as it is.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "unwind.h"

#define EXPORT __attribute__((visibility("default")))
#define HOOKS_IS_MMAPPED 0x2 /* glibc chunk flag: the block is its own fresh mapping */

static inline int hooks_active(void) {
  return AG_LIKELY(atomic_load_explicit(&ag_state, memory_order_relaxed) == AG_ACTIVE);
}

/* The calling thread's state when the agent is on, else NULL.  With
 * st->guard set the call is nested: the agent itself (or libunwind, or
 * ld.so inside the agent's dlopen) is allocating. */
static inline thread_state *hooks_enter(void) {
  if (AG_LIKELY(hooks_active())) return threads_self();
  if (atomic_load(&ag_state) == AG_INITIALIZING && ag_init_tables_ready) {
    thread_state *st = threads_self(); /* only the init thread's nested calls */
    return st != NULL && st->guard ? st : NULL;
  }
  return NULL;
}

/* Nested calls in full mode keep their blocks as internal ones: never
 * reported, but scanned as roots, since they can hold the program's
 * pointers (libunwind's link map in ld.so's list points at the next
 * library's).  Not while this thread holds a live-table lock. */
static inline int hooks_nested_tracked(const thread_state *st) {
  return !ag_opt.sample_mode && !st->in_table;
}

static void *hooks_internal(thread_state *st, void *p, size_t size) {
  if (p != NULL && hooks_nested_tracked(st)) {
    st->in_table = 1;
    live_insert((uintptr_t)p, size, LIVE_STACK_INTERNAL);
    st->in_table = 0;
  }
  return p;
}

static void hooks_internal_forget(thread_state *st, void *p) {
  if (hooks_nested_tracked(st)) {
    st->in_table = 1;
    live_remove((uintptr_t)p, NULL, NULL);
    st->in_table = 0;
  }
}

static inline void hooks_leave(thread_state *st) {
  st->guard = 0;
  threads_park_if_requested();
}

/* The caller's stack id; its allocation counts grow by objects and bytes
 * (sample mode: objects x 1000 and the unbiased bytes). */
static uint32_t hooks_stack_here(uint64_t objects, uint64_t bytes) {
  uintptr_t pcs[AG_MAX_DEPTH];
  int depth = unwind_capture(pcs, ag_opt.depth);
  uint32_t stack = stacktab_intern(pcs, depth);
  stacktab_entry *e = stacktab_get(stack);
  if (e != NULL) {
    atomic_fetch_add_explicit(&e->alloc_objects, objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&e->alloc_bytes, bytes, memory_order_relaxed);
  }
  return stack;
}

/* Full mode: remember the block with its stack. */
static void hooks_track_full(thread_state *st, void *p, size_t size, int zero) {
  if (zero && ag_opt.zero_fill && size > 0 &&
      !(((const size_t *)p)[-1] & HOOKS_IS_MMAPPED))
    memset(p, 0, size);
  uint32_t stack = hooks_stack_here(1, size);
  st->in_table = 1;
  live_insert((uintptr_t)p, size, stack);
  st->in_table = 0;
  st->allocs++;
  st->bytes_allocated += size;
  if (AG_UNLIKELY(ag_opt.budget_bytes != 0) && (st->until_budget -= (int64_t)size) <= 0) {
    st->until_budget = AG_BUDGET_STRIDE;
    agent_check_budget();
  }
}

/* Sample mode: record a sampled block. */
static void hooks_record_sample(void *p, size_t size) {
  double weight = sampler_weight(size);
  uint32_t stack =
      hooks_stack_here((uint64_t)(weight * 1000.0 + 0.5), (uint64_t)(weight * (double)size + 0.5));
  sampler_record((uintptr_t)p, size, stack, weight);
  if (AG_UNLIKELY(ag_opt.budget_bytes != 0)) agent_check_budget(); /* once per sample */
}

/* Sample mode: count down the bytes; true when this allocation is to be
 * sampled.  Bytes allocated are counted per gap (see threads_totals). */
static inline int hooks_sample_due(thread_state *st, size_t size) {
  st->allocs++;
  if (AG_LIKELY(size < st->until_sample)) {
    st->until_sample -= size;
    return 0;
  }
  st->bytes_allocated += st->sample_gap - st->until_sample + size;
  st->sample_gap = st->until_sample = (uint64_t)sampler_next_gap() + 1;
  return 1;
}

/* Everything but sample mode's fast path. */
static __attribute__((noinline)) void *hooks_malloc(size_t size) {
  thread_state *st = hooks_enter();
  if (st == NULL) return __libc_malloc(size);
  if (AG_UNLIKELY(st->guard)) return hooks_internal(st, __libc_malloc(size), size);
  if (ag_opt.sample_mode) {
    if (AG_LIKELY(!hooks_sample_due(st, size))) return __libc_malloc(size);
    st->guard = 1;
    void *p = __libc_memalign(AG_SAMPLE_ALIGN, size);
    if (p != NULL) hooks_record_sample(p, size);
    hooks_leave(st);
    return p;
  }
  st->guard = 1;
  void *p = __libc_malloc(size);
  if (p != NULL) hooks_track_full(st, p, size, 1);
  hooks_leave(st);
  return p;
}

static __attribute__((noinline)) void hooks_free(void *p) {
  if (p == NULL) return;
  /* Sample mode, a page-aligned pointer: glibc hands a freed sampled
   * block's address out again, so such frees come more often than one in
   * 256; the filter clears most of them without the agent's machinery. */
  if (ag_free_fast_mask != 0 && !sampler_may_hold((uintptr_t)p)) {
    ag_thread.frees++;
    __libc_free(p);
    return;
  }
  thread_state *st = hooks_enter();
  if (st == NULL) {
    __libc_free(p);
    return;
  }
  if (AG_UNLIKELY(st->guard)) {
    hooks_internal_forget(st, p);
    __libc_free(p);
    return;
  }
  if (ag_opt.sample_mode) {
    st->frees++;
    if (AG_UNLIKELY(((uintptr_t)p & (AG_SAMPLE_ALIGN - 1)) == 0)) {
      st->guard = 1;
      sampler_remove((uintptr_t)p);
      hooks_leave(st);
    }
    __libc_free(p);
    return;
  }
  st->guard = 1;
  size_t size;
  st->in_table = 1;
  int tracked = live_remove((uintptr_t)p, &size, NULL);
  st->in_table = 0;
  if (tracked) {
    st->frees++;
    st->bytes_freed += size;
  }
  __libc_free(p);
  hooks_leave(st);
}

/* Sample mode's fast path: this allocation is not sampled.  The countdown
 * is 0 outside sample mode and on threads not yet registered, so there every
 * call takes the slow path.  A call nested in the agent's own work may pass
 * here too: in sample mode an unsampled block needs nothing either way. */
static inline int hooks_sample_skip(size_t size) {
  thread_state *st = &ag_thread;
  uint64_t left = st->until_sample;
  if (AG_UNLIKELY(size >= left)) return 0;
  st->until_sample = left - size;
  st->allocs++;
  return 1;
}

/* Sample mode's fast paths: an allocation that is not sampled and a free
 * of a pointer that cannot be a sampled block (not page-aligned) touch this
 * thread's countdown (a free: one global word), and nothing else. */
EXPORT void *malloc(size_t size) {
  if (hooks_sample_skip(size)) return __libc_malloc(size);
  return hooks_malloc(size);
}

EXPORT void free(void *p) {
  if (AG_LIKELY(((uintptr_t)p & ag_free_fast_mask) != 0)) {
    ag_thread.frees++;
    __libc_free(p);
    return;
  }
  hooks_free(p);
}

static __attribute__((noinline)) void *hooks_calloc(size_t n, size_t size);
static __attribute__((noinline)) void *hooks_realloc(void *old, size_t size);

EXPORT void *calloc(size_t n, size_t size) {
  size_t total;
  if (!__builtin_mul_overflow(n, size, &total) && hooks_sample_skip(total))
    return __libc_calloc(n, size);
  return hooks_calloc(n, size);
}

EXPORT void *realloc(void *old, size_t size) {
  if (AG_LIKELY(((uintptr_t)old & (AG_SAMPLE_ALIGN - 1)) != 0) && AG_LIKELY(size != 0) &&
      hooks_sample_skip(size)) {
    ag_thread.frees++;
    return __libc_realloc(old, size);
  }
  return hooks_realloc(old, size);
}

static void *hooks_calloc(size_t n, size_t size) {
  thread_state *st = hooks_enter();
  size_t total;
  if (st == NULL || __builtin_mul_overflow(n, size, &total)) return __libc_calloc(n, size);
  if (AG_UNLIKELY(st->guard)) return hooks_internal(st, __libc_calloc(n, size), total);
  if (ag_opt.sample_mode) {
    if (AG_LIKELY(!hooks_sample_due(st, total))) return __libc_calloc(n, size);
    st->guard = 1;
    void *p = __libc_memalign(AG_SAMPLE_ALIGN, total);
    if (p != NULL) {
      memset(p, 0, total);
      hooks_record_sample(p, total);
    }
    hooks_leave(st);
    return p;
  }
  st->guard = 1;
  void *p = __libc_calloc(n, size);
  if (p != NULL) hooks_track_full(st, p, total, 0);
  hooks_leave(st);
  return p;
}

static void *hooks_realloc(void *old, size_t size) {
  thread_state *st = hooks_enter();
  if (st == NULL) return __libc_realloc(old, size);
  if (AG_UNLIKELY(st->guard)) {
    if (old != NULL) hooks_internal_forget(st, old);
    void *p = __libc_realloc(old, size);
    if (p == NULL && old != NULL && size != 0) return hooks_internal(st, old, malloc_usable_size(old));
    return hooks_internal(st, p, size);
  }
  if (old == NULL) return malloc(size);
  if (size == 0) { /* glibc frees and returns NULL */
    free(old);
    return NULL;
  }
  if (ag_opt.sample_mode) {
    /* a new sampling decision for the new block, as jemalloc's prof_realloc */
    if (((uintptr_t)old & (AG_SAMPLE_ALIGN - 1)) == 0) {
      st->guard = 1;
      sampler_remove((uintptr_t)old);
      st->guard = 0;
    }
    st->frees++;
    if (AG_LIKELY(!hooks_sample_due(st, size))) return __libc_realloc(old, size);
    st->guard = 1;
    size_t old_size = malloc_usable_size(old);
    void *p = __libc_memalign(AG_SAMPLE_ALIGN, size);
    if (p != NULL) {
      memcpy(p, old, old_size < size ? old_size : size);
      __libc_free(old);
      hooks_record_sample(p, size);
    }
    hooks_leave(st);
    return p;
  }
  st->guard = 1;
  size_t old_size = 0;
  uint32_t old_stack = 0;
  st->in_table = 1;
  int tracked = live_remove((uintptr_t)old, &old_size, &old_stack);
  st->in_table = 0;
  void *p = __libc_realloc(old, size);
  if (p == NULL) {
    st->in_table = 1;
    if (tracked) live_insert((uintptr_t)old, old_size, old_stack); /* old block stays */
    st->in_table = 0;
  } else {
    if (tracked) {
      st->frees++;
      st->bytes_freed += old_size;
    }
    if (tracked && size > old_size && ag_opt.zero_fill &&
        !(((const size_t *)p)[-1] & HOOKS_IS_MMAPPED))
      memset((char *)p + old_size, 0, size - old_size);
    hooks_track_full(st, p, size, 0);
  }
  hooks_leave(st);
  return p;
}

EXPORT void *reallocarray(void *old, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(old, total);
}

/* The aligned family: glibc has no __libc_ export for posix_memalign and
 * aligned_alloc, so they are built on __libc_memalign with glibc's checks. */
static void *hooks_aligned(size_t align, size_t size, void *(*alloc)(size_t, size_t)) {
  thread_state *st = hooks_enter();
  if (st == NULL) return alloc(align, size);
  if (AG_UNLIKELY(st->guard)) return hooks_internal(st, alloc(align, size), size);
  if (ag_opt.sample_mode) {
    if (AG_LIKELY(!hooks_sample_due(st, size))) return alloc(align, size);
    st->guard = 1;
    void *p = alloc(align > AG_SAMPLE_ALIGN ? align : AG_SAMPLE_ALIGN, size); /* sampled: page-aligned */
    if (p != NULL) hooks_record_sample(p, size);
    hooks_leave(st);
    return p;
  }
  st->guard = 1;
  void *p = alloc(align, size);
  if (p != NULL) hooks_track_full(st, p, size, 1);
  hooks_leave(st);
  return p;
}

static void *hooks_libc_valloc(size_t unused, size_t size) { return __libc_valloc(size); }
static void *hooks_libc_pvalloc(size_t unused, size_t size) { return __libc_pvalloc(size); }

EXPORT void *memalign(size_t align, size_t size) { return hooks_aligned(align, size, __libc_memalign); }

EXPORT void *aligned_alloc(size_t align, size_t size) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  return hooks_aligned(align, size, __libc_memalign);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0) return EINVAL;
  int saved = errno;
  void *p = hooks_aligned(align, size, __libc_memalign);
  if (p == NULL) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

EXPORT void *valloc(size_t size) { return hooks_aligned(AG_SAMPLE_ALIGN, size, hooks_libc_valloc); }
EXPORT void *pvalloc(size_t size) { return hooks_aligned(AG_SAMPLE_ALIGN, size, hooks_libc_pvalloc); }

EXPORT void cfree(void *p) { free(p); }

EXPORT __attribute__((noreturn)) void _exit(int status) {
  ag_exit_status = status & 0xff;
  agent_exit_sequence();
  for (;;) syscall(SYS_exit_group, status);
}

EXPORT __attribute__((noreturn)) void _Exit(int status) { _exit(status); }

EXPORT void *dlopen(const char *file, int flags) {
  static void *(*real_dlopen)(const char *, int);
  if (real_dlopen == NULL) real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
  if ((flags & RTLD_DEEPBIND) && hooks_active()) {
    sys_warn("RTLD_DEEPBIND removed from a dlopen call so the library's allocations are seen");
    flags &= ~RTLD_DEEPBIND;
  }
  return real_dlopen(file, flags);
}

EXPORT int dlclose(void *handle) {
  static int (*real_dlclose)(void *);
  if (real_dlclose == NULL) real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
  thread_state *st = hooks_enter();
  if (st != NULL && !st->guard) {
    st->guard = 1;
    modules_remember();
    st->guard = 0;
  }
  int rc = real_dlclose(handle);
  unwind_flush(); /* cached unwind rules may name the unloaded code */
  return rc;
}
