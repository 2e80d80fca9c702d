/*
 * unwind.c: stack capture for the hooks.
 *
 * The fast path walks the stack itself with DWARF call-frame information
 * reduced to one compact rule per code address (unwind_cfi.c), cached in a
 * lock-free shared table (unwind_cache.c) behind a small per-thread copy:
 * a step is a lookup there and one or two loads from the stack.  The walk
 * starts at the program's frame that called the agent when the caller
 * passes it (the entry frame of a function with a frame pointer), else
 * from this file's own frame, stepping through the agent's frames
 * (everything inside libleakscope.so's text); it reports return
 * addresses, leaf first.  Every read stays inside the thread's stack, between the
 * capture's own stack pointer and the stack's top (read once per thread
 * with pthread_getattr_np, which allocates: only inside the agent's
 * guard), and each CFA must lie above the last.
 *
 * Each thread keeps its last capture: registers per frame and the stack
 * words read.  Once the walk reaches a frame whose registers equal those of
 * a remembered frame, and every word the remembered walk read above it
 * still holds the same value, the rest is copied instead of walked: the
 * same rules on the same words would give the same frames.  Consecutive
 * allocations share most of their outer frames, so most of a capture is a
 * run of independent compares instead of a chain of dependent lookups.
 *
 * Anything the compact rules cannot express (a signal frame, a PLT-style
 * CFA expression, a stack that does not look right, a stack other than the
 * thread's own) sends the whole capture to the slow path: glibc's
 * backtrace(), which is libgcc's unwinder (the one C++ exceptions use:
 * lock-free through _dl_find_object, no descriptor, no allocation after
 * its first call, which set-up makes).  Without _dl_find_object (glibc
 * before 2.35) every capture takes that slow path.
 *
 * Options (options.def): unwind=libunwind makes libunwind's unw_backtrace
 * the slow path and takes it always (for comparisons); unwind_check=1
 * captures every stack both ways, the fast walk and libunwind's, counts the
 * differences and prints them with the time per frame at exit.  libunwind
 * is loaded only then: it keeps a pipe open for the whole process and adds
 * a TLS module to every thread.  It is dlopen'ed with RTLD_LOCAL: linked
 * normally it would export its _Unwind_* family and backtrace() into the
 * program's global scope and take over C++ exception handling.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unwind_int.h"

#include "options.h"
#include "spin.h"
#include "sys.h"
#include "tstate.h"

#define UNWIND_MAX_AGENT_FRAMES 16
#define UNWIND_RAW_MAX (UNWIND_MAX_DEPTH + UNWIND_MAX_AGENT_FRAMES)
#define UNWIND_CHECK_REPORTS 5
#define UNWIND_L0_SET_BITS 8 /* the per-thread copy: 256 sets of 2 rules */
#define UNWIND_TAG_FRESH 8 /* the most fresh frames a derived capture's key holds */
#define UNWIND_TAG_BITS 8  /* a thread's derived captures remembered */

typedef int (*unwind_backtrace_fn)(void **buffer, int size);

/* A frame: the registers the rules use, and where the step from this frame
 * to its caller read the caller's RBP (0: RBP was kept). */
typedef struct {
  uintptr_t pc, sp, fp, fp_at;
} unwind_frame;

/* The thread's last fast capture, frame 0 being the first one reported,
 * one array a register so that the checks and copies run over contiguous
 * words.  Frame k+1's pc was read at sp[k + 1] - 8, its RBP at fp_at[k]
 * (0: frame k kept RBP). */
typedef struct {
  uint64_t gen;     /* unwind_cache_gen of its rules */
  int n;            /* frames; 0 = nothing to reuse */
  int complete;     /* the stack ended after frame n - 1 (else: depth limit) */
  uint32_t tag;     /* the caller's tag for it (unwind_tag), 0: none */
  uintptr_t pc[UNWIND_MAX_DEPTH], sp[UNWIND_MAX_DEPTH], fp[UNWIND_MAX_DEPTH], fp_at[UNWIND_MAX_DEPTH];
} unwind_record;

/* A capture derived from a tagged one: its first i frames walked fresh,
 * the rest that capture's from frame j on, nothing walked beyond it.  Its
 * frames are a function of (from, j, the fresh pcs) alone, so the tag the
 * caller gave it once holds whenever they come again. */
typedef struct {
  uint32_t from, tag; /* 0: empty */
  uint16_t j, i;
  uint32_t slot;      /* where it is kept: a hash of the rest */
  uintptr_t pc[UNWIND_TAG_FRESH];
} unwind_derived;

static inline void unwind_record_set(unwind_record *r, int k, const unwind_frame *f) {
  r->pc[k] = f->pc;
  r->sp[k] = f->sp;
  r->fp[k] = f->fp;
  r->fp_at[k] = f->fp_at;
}

/* Frames [from, from + count) of r moved to [to, to + count). */
static inline void unwind_record_move(unwind_record *r, int to, int from, int count) {
  size_t bytes = (size_t)count * sizeof(uintptr_t);
  memmove(r->pc + to, r->pc + from, bytes);
  memmove(r->sp + to, r->sp + from, bytes);
  memmove(r->fp + to, r->fp + from, bytes);
  memmove(r->fp_at + to, r->fp_at + from, bytes);
}

static _Atomic(unwind_backtrace_fn) unwind_slow_walk;
static int unwind_fast_on;
static int unwind_check_on;
static uintptr_t unwind_self_start, unwind_self_end; /* our executable segment */
static uintptr_t unwind_self_lo, unwind_self_hi;     /* all our segments */

/* Per-thread state, reached through a pthread key of this file's own, whose
 * destructor hands the block back when the thread ends.  Blocks come from sys_map()ed chunks,
 * are never unmapped, and are claimed with a compare-and-swap: a thread's
 * key destructor marks its block free for the next thread.  No lock, so a
 * fork can never leave one held. */
typedef struct unwind_thread {
  struct unwind_thread *next; /* all blocks, a push-only list */
  _Atomic int in_use;
  uintptr_t stack_lo, stack_hi; /* [lo, hi); hi == 0 not read yet, 1 unknown */
  /* A small two-way set-associative copy of the hottest rules, in front of
   * the shared table: its lines stay hot where the table's would be spread
   * over many lines and pages.  A set is 32 bytes; a miss moves the
   * set's first rule to its second place (so two hot keys of one set do
   * not evict each other, as they did in a direct-mapped copy of 64: a
   * sixth to a quarter of all lookups of sqlite3, python and perl missed
   * it).  Emptied with the record when the generation changes. */
  struct {
    uintptr_t key[2];
    uint64_t rule[2];
  } l0[1 << UNWIND_L0_SET_BITS];
  unwind_record last;
  unwind_derived derived[1 << UNWIND_TAG_BITS];
  unwind_derived pending; /* the last capture's key, while it waits for its tag (pending.from != 0) */
  int busy;               /* between a fast capture and its unwind_tag */
} unwind_thread;

#define UNWIND_CHUNK_BLOCKS 16

static pthread_key_t unwind_key;
static int unwind_key_ready;
/* The block the key holds, read without pthread_getspecific on every
 * capture; cleared by the key's destructor, which runs on the thread. */
static __thread unwind_thread *unwind_self_block __attribute__((tls_model("initial-exec")));
static _Atomic(unwind_thread *) unwind_threads;
static void unwind_thread_release(void *arg);

/* unwind_check counters */
static _Atomic uint64_t unwind_ck_captures, unwind_ck_fallbacks, unwind_ck_mismatches;
static _Atomic uint64_t unwind_ck_fast_frames, unwind_ck_fast_cycles;
static _Atomic uint64_t unwind_ck_slow_frames, unwind_ck_slow_cycles;
static spin_lock unwind_ck_lock;
static sys_writer unwind_ck_out;

static int unwind_find_self(struct dl_phdr_info *info, size_t size, void *arg) {
  uintptr_t probe = (uintptr_t)arg;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
    if (start < lo) lo = start;
    if (end > hi) hi = end;
  }
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
    if (probe >= start && probe < end) {
      unwind_self_start = start;
      unwind_self_end = end;
      unwind_self_lo = lo;
      unwind_self_hi = hi;
      return 1;
    }
  }
  return 0;
}

int unwind_init(void) {
  dl_iterate_phdr(unwind_find_self, (void *)(uintptr_t)&unwind_init);
  if (ag_opt.unwind == AG_UNWIND_FAST && unwind_cfi_init() &&
      unwind_cache_init() == 0 && pthread_key_create(&unwind_key, unwind_thread_release) == 0) {
    unwind_key_ready = 1;
    unwind_fast_on = 1;
  }
  return 0;
}

/* ---- libunwind's pipe ------------------------------------------------------ */

/* libunwind validates an address by writing a byte of it to a pipe it
 * opens when it starts and keeps (opening it again when reading it fails).
 * The pipe exists only while some thread is inside libunwind: it is made
 * again at the numbers libunwind has (moved to the top of the first 1024)
 * when the first thread enters, and closed when the last one leaves; if
 * the program has taken either number meanwhile, that capture is glibc's
 * backtrace()'s instead.  Not on the fast path: only libunwind's walks. */
static void *_Atomic unwind_libunwind_base; /* where libunwind is loaded, NULL: it is not */
static spin_lock unwind_pipe_lock;
static int unwind_pipe_users;             /* threads inside libunwind */
static int unwind_pipe_fds[2] = {-1, -1}; /* libunwind's numbers, -1: it opened none yet */
static int unwind_pipe_flags;

int unwind_is_libunwind_pc(uintptr_t pc) {
  void *base = atomic_load(&unwind_libunwind_base);
  Dl_info where;
  return base != NULL && dladdr((void *)pc, &where) != 0 && where.dli_fbase == base;
}

void unwind_libunwind_pipe(int fds[2], int flags) {
  fds[0] = sys_move_high(fds[0]);
  fds[1] = sys_move_high(fds[1]);
  spin_acquire(&unwind_pipe_lock);
  unwind_pipe_fds[0] = fds[0];
  unwind_pipe_fds[1] = fds[1];
  unwind_pipe_flags = flags;
  spin_release(&unwind_pipe_lock);
}

/* A copy of fd at exactly the number at, if it is free: 0 or -1. */
static int unwind_pipe_place(int fd, int at) {
  int got = fcntl(fd, F_DUPFD_CLOEXEC, at); /* the lowest free number from at on */
  if (got == at) return 0;
  if (got >= 0) close(got);
  return -1;
}

/* The pipe again at libunwind's numbers, if the program has neither: 0 or -1. */
static int unwind_pipe_open(void) {
  int *at = unwind_pipe_fds, made[2];
  if (syscall(SYS_pipe2, made, unwind_pipe_flags) != 0) return -1;
  int first = unwind_pipe_place(made[0], at[0]) == 0;
  int both = first && unwind_pipe_place(made[1], at[1]) == 0;
  if (first && !both) close(at[0]);
  close(made[0]);
  close(made[1]);
  return both ? 0 : -1;
}

/* A thread enters libunwind: 0, or -1 when it must not (no pipe). */
static int unwind_pipe_enter(void) {
  spin_acquire(&unwind_pipe_lock);
  int rc = 0;
  if (unwind_pipe_users == 0 && unwind_pipe_fds[0] >= 0) rc = unwind_pipe_open();
  if (rc == 0) unwind_pipe_users++;
  spin_release(&unwind_pipe_lock);
  return rc;
}

static void unwind_pipe_leave(void) {
  spin_acquire(&unwind_pipe_lock);
  if (--unwind_pipe_users == 0 && unwind_pipe_fds[0] >= 0) {
    close(unwind_pipe_fds[0]);
    close(unwind_pipe_fds[1]);
  }
  spin_release(&unwind_pipe_lock);
}

void unwind_after_fork_child(void) {
  spin_reset(&unwind_pipe_lock);
  if (unwind_pipe_users > 0 && unwind_pipe_fds[0] >= 0) { /* open for another thread, which is gone */
    close(unwind_pipe_fds[0]);
    close(unwind_pipe_fds[1]);
  }
  unwind_pipe_users = 0;
}

/* walk, with libunwind's pipe around it when it is libunwind's. */
static int unwind_walk(unwind_backtrace_fn walk, void **raw, int max) {
  if (walk == backtrace) return walk(raw, max);
  if (unwind_pipe_enter() != 0) return backtrace(raw, max);
  int n = walk(raw, max);
  unwind_pipe_leave();
  return n;
}

int unwind_prime(void) {
  int rc = 0;
  unwind_backtrace_fn fn = backtrace; /* loads libgcc_s now (below), not inside a hook */
  if (ag_opt.unwind == AG_UNWIND_LIBUNWIND || ag_opt.unwind_check) {
    void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    fn = lib != NULL ? (unwind_backtrace_fn)dlsym(lib, "unw_backtrace") : NULL;
    Dl_info where;
    if (fn != NULL && dladdr((void *)fn, &where) != 0) atomic_store(&unwind_libunwind_base, where.dli_fbase);
    if (fn == NULL) {
      fn = backtrace;
      rc = -1;
    }
  }
  void *prime[4];
  unwind_walk(fn, prime, 4);
  atomic_store_explicit(&unwind_slow_walk, fn, memory_order_release);
  unwind_check_on = ag_opt.unwind_check;
  return rc;
}

int unwind_is_agent_pc(uintptr_t pc) { return pc >= unwind_self_start && pc < unwind_self_end; }

int unwind_is_agent_range(uintptr_t start, uintptr_t end) {
  return start < unwind_self_hi && unwind_self_lo < end;
}

static void unwind_thread_release(void *arg) {
  unwind_thread *t = arg;
  if (unwind_self_block == t) unwind_self_block = NULL;
  atomic_store_explicit(&t->in_use, 0, memory_order_release);
}

/* A free block, claimed and reset, or NULL. */
static unwind_thread *unwind_thread_claim(void) {
  for (int round = 0; round < 2; round++) {
    for (unwind_thread *t = atomic_load(&unwind_threads); t != NULL; t = t->next) {
      int expected = 0;
      if (atomic_load_explicit(&t->in_use, memory_order_relaxed) == 0 &&
          atomic_compare_exchange_strong(&t->in_use, &expected, 1)) {
        t->stack_lo = t->stack_hi = 0;
        memset(t->l0, 0, sizeof t->l0);
        memset(&t->last, 0, sizeof t->last);
        memset(t->derived, 0, sizeof t->derived);
        memset(&t->pending, 0, sizeof t->pending);
        t->busy = 0;
        return t;
      }
    }
    if (round == 1) break;
    size_t size = (sizeof(unwind_thread) + 63) & ~(size_t)63;
    char *chunk = sys_map(UNWIND_CHUNK_BLOCKS * size);
    if (chunk == NULL) return NULL;
    for (int i = 0; i < UNWIND_CHUNK_BLOCKS; i++) {
      unwind_thread *t = (unwind_thread *)(chunk + (size_t)i * size);
      unwind_thread *head = atomic_load(&unwind_threads);
      do {
        t->next = head;
      } while (!atomic_compare_exchange_weak(&unwind_threads, &head, t));
    }
  }
  return NULL;
}

/* A block bound to this thread, NULL if none can be had now. */
static unwind_thread *unwind_thread_new(void) {
  unwind_thread *t = unwind_thread_claim();
  if (t != NULL && pthread_setspecific(unwind_key, t) != 0) {
    unwind_thread_release(t);
    return NULL;
  }
  unwind_self_block = t;
  return t;
}

/* The first capture on a thread (t is its block or NULL): a block with the
 * thread's stack bounds, or NULL when they cannot be known
 * (pthread_setspecific and pthread_getattr_np allocate: only inside the
 * agent's guard). */
static __attribute__((noinline)) unwind_thread *unwind_thread_first(unwind_thread *t) {
  if (ag_thread.guard == GUARD_NONE || (t != NULL && t->stack_hi == 1)) return NULL;
  if (t == NULL && (t = unwind_thread_new()) == NULL) return NULL;
  pthread_attr_t attr;
  void *addr;
  size_t size;
  t->stack_hi = 1;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0) {
      t->stack_lo = (uintptr_t)addr;
      t->stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
  }
  return t->stack_hi > 1 ? t : NULL;
}

/* This thread's block with its stack bounds known, or NULL. */
static inline unwind_thread *unwind_thread_self(void) {
  if (AG_UNLIKELY(!unwind_key_ready)) return NULL;
  unwind_thread *t = unwind_self_block;
  if (AG_LIKELY(t != NULL && t->stack_hi > 1)) return t;
  return unwind_thread_first(t);
}

/* One step from frame f to its caller, with the rule of code address key;
 * reads only below hi, and never below f's own stack pointer (the
 * return address and the saved RBP lie in f's frame, as in every frame
 * the compiler's CFI describes at a call), so that a later check of the
 * words a step read needs no lower bound.  Returns 1 (the caller is in
 * *caller, and f->fp_at is set), 0 at the end of the stack, -1 when the
 * slow path must decide. */
static inline __attribute__((always_inline)) int unwind_step(unwind_thread *t, unwind_frame *f,
                                                             unwind_frame *caller, uintptr_t key,
                                                             uintptr_t hi) {
  __typeof__(t->l0[0]) *set = &t->l0[unwind_cache_hash(key, UNWIND_L0_SET_BITS)];
  uint64_t rule = set->rule[0];
  if (AG_UNLIKELY(set->key[0] != key)) {
    if (set->key[1] == key) {
      rule = set->rule[1];
    } else {
      rule = unwind_cache_rule(key);
      set->key[1] = set->key[0];
      set->rule[1] = set->rule[0];
      set->key[0] = key;
      set->rule[0] = rule;
    }
  }
  unsigned kind = unwind_rule_kind(rule);
  if (AG_UNLIKELY(kind != UNWIND_KIND_FRAME)) return kind == UNWIND_KIND_OUTERMOST ? 0 : -1;
  uintptr_t cfa = ((rule & UNWIND_RULE_CFA_RBP) ? f->fp : f->sp) + (uintptr_t)unwind_rule_cfa_off(rule);
  /* f->sp is in the stack: the walk starts at the capture's own stack
   * pointer and each CFA lies above the last */
  if (AG_UNLIKELY(cfa < f->sp + 8 || cfa > hi)) return -1;
  caller->fp = f->fp;
  f->fp_at = 0;
  if (rule & UNWIND_RULE_RBP_SAVED) {
    uintptr_t at = cfa + (uintptr_t)unwind_rule_rbp_off(rule);
    if (AG_UNLIKELY(at < f->sp || at > hi - 8)) return -1;
    caller->fp = *(const uintptr_t *)at;
    f->fp_at = at;
  }
  caller->pc = *(const uintptr_t *)(cfa - 8);
  caller->sp = cfa;
  return caller->pc != 0;
}

/* Whether the last capture's steps from frame j up are still valid: every
 * word they read holds the same value.  Returns -1 if so, else the first
 * step k that would go differently.  Frame j's stack pointer is the
 * walk's lowest address now, and each word lies at or above the stack
 * pointer of the frame whose step read it (unwind_step), so all are in
 * the stack. */
static int unwind_verify(const unwind_record *last, int j) {
  const uintptr_t *pc = last->pc + j + 1, *sp = last->sp + j + 1, *fp = last->fp + j + 1;
  const uintptr_t *fp_at = last->fp_at + j;
  for (int c = 0, count = last->n - j - 1; c < count; c++) {
    /* a kept RBP is checked against itself, without a branch */
    const uintptr_t *fp_word = fp_at[c] != 0 ? (const uintptr_t *)fp_at[c] : &fp[c];
    uintptr_t differs = (*(const uintptr_t *)(sp[c] - 8) ^ pc[c]) | (*fp_word ^ fp[c]);
    if (AG_UNLIKELY(differs != 0)) return j + c;
  }
  return -1;
}

/* The tag of a derived capture seen before (key: d, whose slot it sets), or 0. */
static uint32_t unwind_derived_find(const unwind_thread *t, unwind_derived *d) {
  uint64_t h = ((uint64_t)d->from << 16 | (uint64_t)d->j << 8 | d->i) * 0x9e3779b97f4a7c15u;
  for (uint32_t k = 0; k < d->i; k++) h = (h ^ d->pc[k]) * 0xff51afd7ed558ccdu;
  d->slot = (uint32_t)(h >> (64 - UNWIND_TAG_BITS));
  const unwind_derived *e = &t->derived[d->slot];
  if (e->from != d->from || e->j != d->j || e->i != d->i) return 0;
  for (uint32_t k = 0; k < d->i; k++)
    if (e->pc[k] != d->pc[k]) return 0;
  return e->tag;
}

/* Finishes a capture whose frames from i up are the last capture's frames
 * from j up (fresh holds frames 0 .. i-1): rebuilds the record, walks on
 * if the last capture had stopped at a lower depth limit, fills pcs
 * (-1 if that walk cannot go on, or with partial the frames so far).
 * *tag: the tag of this very stack if the thread has seen it (the last
 * capture's, or a derived one's), else 0; pcs is then left alone unless
 * need_pcs. */
static int unwind_splice(unwind_thread *t, int j, const unwind_frame *fresh, int i,
                         uintptr_t *restrict pcs, int max, uintptr_t hi, uint32_t *tag, int partial,
                         int need_pcs) {
  unwind_record *last = &t->last;
  int keep = last->n - j < max - i ? last->n - j : max - i;
  int complete = last->complete && keep == last->n - j;
  /* nothing to walk on: the stack is the fresh frames and the last one's from j */
  int derived = complete || i + keep == max;
  /* the very stack of the last capture: the same frames below the splice
   * point, all of the last capture's above it */
  int identical = derived && i == j && keep == last->n - j;
  for (int k = 0; identical && k < i; k++) identical = fresh[k].pc == last->pc[k];
  *tag = 0;
  t->pending.from = 0;
  if (identical) {
    *tag = last->tag;
  } else if (derived && last->tag != 0 && i <= UNWIND_TAG_FRESH) {
    unwind_derived *d = &t->pending;
    d->from = last->tag;
    d->j = (uint16_t)j;
    d->i = (uint16_t)i;
    for (int k = 0; k < i; k++) d->pc[k] = fresh[k].pc;
    *tag = unwind_derived_find(t, d);
    if (*tag != 0) d->from = 0; /* known: nothing to remember */
  }
  last->tag = *tag;
  if (i != j) unwind_record_move(last, i, j, keep);
  for (int k = 0; k < i; k++) unwind_record_set(last, k, &fresh[k]);
  int n = i + keep;
  while (n < max && !complete) {
    unwind_frame f = {last->pc[n - 1], last->sp[n - 1], last->fp[n - 1], 0}, caller;
    int s = unwind_step(t, &f, &caller, f.pc - 1, hi);
    if (s < 0) {
      last->n = 0;
      if (!partial) return -1;
      memcpy(pcs, last->pc, (size_t)n * sizeof *pcs); /* what the walk found */
      return n;
    }
    last->fp_at[n - 1] = f.fp_at;
    if (s == 0) {
      complete = 1;
    } else {
      caller.fp_at = 0;
      unwind_record_set(last, n, &caller);
      n++;
    }
  }
  if (*tag == 0 || need_pcs) memcpy(pcs, last->pc, (size_t)n * sizeof *pcs);
  last->n = n;
  last->complete = complete;
  return n;
}

/* The fast walk; -1 when the capture must go to the slow path (with
 * partial set, when there is none yet: the frames walked up to the one it
 * cannot step from, as memcheck shows a stack its unwinder cannot finish).
 * From the
 * first frame at which the registers equal those of a frame of the
 * thread's last capture, and the stack words that capture read above it
 * are unchanged, the rest of that capture is reused: the walk from there
 * would read the same words with the same rules. */
static inline __attribute__((always_inline)) int unwind_fast(uintptr_t *pcs, int max, uint32_t *tag,
                                                             int partial, int need_pcs,
                                                             const uintptr_t *entry) {
  unwind_frame cur, next = {0, 0, 0, 0};
  __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
                   : "=r"(cur.pc), "=r"(cur.sp), "=r"(cur.fp));
  unwind_thread *t = unwind_thread_self();
  if (t == NULL || cur.sp < t->stack_lo || cur.sp >= t->stack_hi) return -1;
  /* a capture nested in another's, before its unwind_tag (a signal
   * handler's): the record is the other one's, and stays so */
  if (AG_UNLIKELY(t->busy)) return -1;
  t->busy = 1;
  t->pending.from = 0;
  const uintptr_t hi = t->stack_hi;
  unwind_record *last = &t->last;
  uint64_t gen = atomic_load_explicit(&unwind_cache_gen, memory_order_relaxed);
  if (AG_UNLIKELY(last->gen != gen)) {
    memset(t->l0, 0, sizeof t->l0);
    last->n = 0;
    last->gen = gen;
  }
  /* the program's frame that called the agent: where the caller says it
   * is (inside this stack, above this frame), or the agent's own frames
   * stepped through */
  if (entry != NULL && (uintptr_t)entry > cur.sp && (uintptr_t)entry <= hi - 16 && entry[1] != 0 &&
      !unwind_is_agent_pc(entry[1])) {
    cur.pc = entry[1];
    cur.sp = (uintptr_t)(entry + 2);
    cur.fp = entry[0];
  } else {
    uintptr_t key = cur.pc; /* the first frame's pc is exact, not a return address */
    for (int agent_frames = 0;; agent_frames++) {
      int s = unwind_step(t, &cur, &next, key, hi);
      if (s <= 0) return s;
      cur = next;
      if (!unwind_is_agent_pc(cur.pc)) break;
      if (agent_frames == UNWIND_MAX_AGENT_FRAMES) return -1;
      key = cur.pc - 1;
    }
  }
  unwind_frame fresh[UNWIND_MAX_DEPTH];
  int n = 0, j = 0, complete = 0;
  for (;;) {
    while (j < last->n && last->sp[j] < cur.sp) j++;
    if (j < last->n && last->sp[j] == cur.sp && last->pc[j] == cur.pc && last->fp[j] == cur.fp) {
      int bad = unwind_verify(last, j);
      if (bad < 0) return unwind_splice(t, j, fresh, n, pcs, max, hi, tag, partial, need_pcs);
      j = bad + 1; /* a match at or below step bad would fail there again */
    }
    fresh[n++] = cur;
    if (n == max) break;
    int s = unwind_step(t, &fresh[n - 1], &cur, cur.pc - 1, hi);
    if (s < 0) {
      last->n = 0;
      if (!partial) return -1;
      for (int k = 0; k < n; k++) pcs[k] = fresh[k].pc; /* what the walk found */
      return n;
    }
    if (s == 0) {
      complete = 1;
      break;
    }
  }
  for (int k = 0; k < n; k++) {
    unwind_record_set(last, k, &fresh[k]);
    pcs[k] = fresh[k].pc;
  }
  last->n = n;
  last->complete = complete;
  last->tag = 0;
  return n;
}

/* x86-64 Linux's signal trampoline, where a handler returns to (glibc's
 * __restore_rt: mov $15, %rax; syscall), the way libgcc's unwinder tells
 * a signal frame.  Only code bytes within the pc's own page are read. */
static const unsigned char unwind_sigreturn_code[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};

static int unwind_is_sigreturn(uintptr_t pc) {
  if ((pc & 4095) > 4096 - sizeof unwind_sigreturn_code) return 0;
  return memcmp((const void *)pc, unwind_sigreturn_code, sizeof unwind_sigreturn_code) == 0;
}

/* This thread is inside unwind_capture_in_handler: a call the walk makes
 * itself is not a handler's. */
static __thread int unwind_in_handler_walk __attribute__((tls_model("initial-exec")));

int unwind_capture_in_handler(uintptr_t *pcs, int max) {
  /* glibc's backtrace() only: libunwind's walk takes the pipe's lock, which
   * the interrupted code may hold */
  unwind_backtrace_fn walk = atomic_load_explicit(&unwind_slow_walk, memory_order_acquire);
  if (walk != backtrace || unwind_in_handler_walk) return -1;
  if (max > UNWIND_MAX_DEPTH) max = UNWIND_MAX_DEPTH;
  void *raw[UNWIND_RAW_MAX];
  unwind_in_handler_walk = 1;
  atomic_signal_fence(memory_order_seq_cst);
  int n = walk(raw, UNWIND_RAW_MAX);
  atomic_signal_fence(memory_order_seq_cst);
  unwind_in_handler_walk = 0;
  int k = 0;
  while (k < n && unwind_is_agent_pc((uintptr_t)raw[k])) k++;
  int from = k;
  while (k < n && !unwind_is_agent_pc((uintptr_t)raw[k]) && !unwind_is_sigreturn((uintptr_t)raw[k])) k++;
  if (k == n || unwind_is_agent_pc((uintptr_t)raw[k])) return -1;
  int depth = 0;
  for (int i = from; i < n && depth < max; i++)
    if (!unwind_is_agent_pc((uintptr_t)raw[i])) pcs[depth++] = (uintptr_t)raw[i];
  return depth;
}

/* A capture of this thread walked through a signal frame (unwind_in_signal_handler). */
static __thread int unwind_crossed_signal __attribute__((tls_model("initial-exec")));

int unwind_in_signal_handler(void) {
  int crossed = unwind_crossed_signal;
  unwind_crossed_signal = 0;
  return crossed;
}

/* The slow path: glibc's backtrace() (or libunwind) from here, minus the
 * agent's frames.  (The fast walk leaves every signal frame to it.) */
__attribute__((noinline)) static int unwind_slow(uintptr_t *pcs, int max) {
  void *raw[UNWIND_RAW_MAX];
  unwind_backtrace_fn walk = atomic_load_explicit(&unwind_slow_walk, memory_order_acquire);
  int n = unwind_walk(walk, raw, max + UNWIND_MAX_AGENT_FRAMES);
  int skip = 0;
  while (skip < n && unwind_is_agent_pc((uintptr_t)raw[skip])) skip++;
  int depth = n - skip < max ? n - skip : max;
  for (int i = 0; i < depth; i++) {
    pcs[i] = (uintptr_t)raw[skip + i];
    if (unwind_is_sigreturn(pcs[i])) unwind_crossed_signal = 1;
  }
  return depth;
}

static void unwind_check_report(const uintptr_t *fast, int nf, const uintptr_t *slow, int ns) {
  spin_acquire(&unwind_ck_lock);
  sys_writer *w = &unwind_ck_out;
  sys_writer_open(w, 2);
  sys_put(w, "leakscope: unwind_check: mismatch (fast | libunwind):\n");
  for (int i = 0; i < nf || i < ns; i++) {
    sys_put(w, "  ");
    if (i < nf) sys_put_hex(w, fast[i]);
    else sys_put(w, "-");
    sys_put(w, " | ");
    if (i < ns) sys_put_hex(w, slow[i]);
    else sys_put(w, "-");
    sys_putc(w, '\n');
  }
  sys_flush(w);
  spin_release(&unwind_ck_lock);
}

/* unwind_check mode: both ways, timed; the slow result is returned. */
__attribute__((noinline)) static int unwind_check(uintptr_t *pcs, int max, const uintptr_t *entry) {
  uintptr_t fast[UNWIND_MAX_DEPTH];
  uint32_t tag;
  uint64_t t0 = __builtin_ia32_rdtsc();
  int nf = unwind_fast_on ? unwind_fast(fast, max, &tag, 0, 1, entry) : -1;
  uint64_t t1 = __builtin_ia32_rdtsc();
  int ns = unwind_slow(pcs, max);
  uint64_t t2 = __builtin_ia32_rdtsc();
  atomic_fetch_add_explicit(&unwind_ck_captures, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&unwind_ck_slow_frames, (uint64_t)ns, memory_order_relaxed);
  atomic_fetch_add_explicit(&unwind_ck_slow_cycles, t2 - t1, memory_order_relaxed);
  if (nf < 0) {
    atomic_fetch_add_explicit(&unwind_ck_fallbacks, 1, memory_order_relaxed);
    return ns;
  }
  atomic_fetch_add_explicit(&unwind_ck_fast_frames, (uint64_t)nf, memory_order_relaxed);
  atomic_fetch_add_explicit(&unwind_ck_fast_cycles, t1 - t0, memory_order_relaxed);
  if (nf != ns || memcmp(fast, pcs, (size_t)ns * sizeof *pcs) != 0) {
    if (atomic_fetch_add(&unwind_ck_mismatches, 1) < UNWIND_CHECK_REPORTS)
      unwind_check_report(fast, nf, pcs, ns);
  }
  return ns;
}

static void unwind_put_ratio(sys_writer *w, uint64_t num, uint64_t den) {
  uint64_t tenths = den ? (num * 10 + den / 2) / den : 0;
  sys_put_u64(w, tenths / 10);
  sys_putc(w, '.');
  sys_put_u64(w, tenths % 10);
}

__attribute__((destructor)) static void unwind_check_summary(void) {
  if (!unwind_check_on) return;
  sys_writer *w = &unwind_ck_out;
  sys_writer_open(w, 2);
  sys_put(w, "leakscope: unwind_check: captures=");
  sys_put_u64(w, atomic_load(&unwind_ck_captures));
  sys_put(w, " mismatches=");
  sys_put_u64(w, atomic_load(&unwind_ck_mismatches));
  sys_put(w, " fallbacks=");
  sys_put_u64(w, atomic_load(&unwind_ck_fallbacks));
  sys_put(w, " fast_frames=");
  sys_put_u64(w, atomic_load(&unwind_ck_fast_frames));
  sys_put(w, " fast_cycles_per_frame=");
  unwind_put_ratio(w, atomic_load(&unwind_ck_fast_cycles), atomic_load(&unwind_ck_fast_frames));
  sys_put(w, " libunwind_cycles_per_frame=");
  unwind_put_ratio(w, atomic_load(&unwind_ck_slow_cycles), atomic_load(&unwind_ck_slow_frames));
  sys_putc(w, '\n');
  sys_flush(w);
}

int unwind_capture(uintptr_t *pcs, int max, uint32_t *tag, int need_pcs, const uintptr_t *entry) {
  *tag = 0;
  if (max > UNWIND_MAX_DEPTH) max = UNWIND_MAX_DEPTH;
  if (AG_UNLIKELY(unwind_check_on)) return unwind_check(pcs, max, entry);
  /* before unwind_prime (the allocations of constructors that ran before
   * the agent's own) there is no slow path: a stack the fast walk cannot
   * finish is what it found (it stops in ld.so's start code, which has no
   * call-frame information) */
  int slow = atomic_load_explicit(&unwind_slow_walk, memory_order_acquire) != NULL;
  if (AG_LIKELY(unwind_fast_on)) {
    int n = unwind_fast(pcs, max, tag, !slow, need_pcs, entry);
    if (AG_LIKELY(n >= 0)) return n;
    *tag = 0;
  }
  if (!slow) return 0;
  return unwind_slow(pcs, max);
}

void unwind_tag(uint32_t tag) {
  unwind_thread *t = unwind_self_block;
  if (t == NULL) return;
  t->busy = 0;
  t->last.tag = tag;
  if (t->pending.from != 0 && tag != 0) {
    t->pending.tag = tag;
    t->derived[t->pending.slot] = t->pending;
  }
  t->pending.from = 0;
}
