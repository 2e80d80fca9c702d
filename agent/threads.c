/*
 * threads.c: the registry of per-thread states, and the main thread's
 * dead stack.
 *
 * A thread's state (tstate.h) holds its recursion guard, its counters
 * (allocations, frees, bytes) and its sampling countdown, so the hot path
 * never writes a shared cache line; readers fold all registered states.
 */
#include "threads.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "blocks.h"
#include "lifetimes.h"
#include "options.h"
#include "sampler.h"
#include "spin.h"
#include "state.h"
#include "sys.h"

/* Threads register on first use (into a list readers fold, under a lock
 * taken only at thread start and end); a pthread key's destructor folds a
 * finished thread's counters into the retired totals and unlinks it, so
 * totals never go down and a dead thread's TLS is never read.
 * (The agent's TLS module adds one entry to every thread's DTV; scan.c
 * subtracts it where memcheck would see the DTV.) */
static ag_tstate *threads_all;
static spin_lock threads_registry_lock;
static pthread_key_t threads_key;
static int threads_key_ready;
static threads_counts threads_retired;
static threads_counts threads_base; /* subtracted from the totals (threads_restart_totals) */
static _Atomic int64_t threads_live;
static _Atomic uint64_t threads_peak;
/* threads_count_in_handler's counts */
static _Atomic uint64_t threads_handler_allocs, threads_handler_frees;
static _Atomic uint64_t threads_handler_bytes_allocated, threads_handler_bytes_freed;


/* A thread's counts as they add to the totals; in sample mode bytes are
 * counted per sampling gap, and the current gap so far counts too. */
static void threads_add(threads_counts *sum, const ag_tstate *st) {
  sum->allocs += st->allocs;
  sum->frees += st->frees;
  sum->bytes_allocated += st->bytes_allocated;
  if (options_sample_mode()) sum->bytes_allocated += st->sample_gap - tstate_countdown(st);
  sum->bytes_freed += st->bytes_freed;
}

/* The thread is ending: fold its counts and take it off the list (its TLS
 * goes away with its stack).  It stays "registered", so what it still does
 * on the way out is not registered again (nor counted). */
static void threads_release(void *arg) {
  ag_tstate *st = arg;
  threads_flush_live(st);
  spin_acquire(&threads_registry_lock);
  threads_add(&threads_retired, st);
  lifetimes_retire(st);
  st->retired = 1;
  st->allocs = st->frees = st->bytes_allocated = st->bytes_freed = 0;
  st->sample_gap = *tstate_until_sample(st);
  for (ag_tstate **link = &threads_all; *link != NULL; link = &(*link)->next) {
    if (*link == st) {
      *link = st->next;
      break;
    }
  }
  spin_release(&threads_registry_lock);
}

int threads_init(void) {
  if (pthread_key_create(&threads_key, threads_release) != 0) return -1;
  threads_key_ready = 1;
  return 0;
}

/* Slow path of threads_self: the first call on a thread. */
void threads_register(ag_tstate *st) {
  st->registered = 1;
  st->tid = sys_gettid();
  st->rng = (uint64_t)st->tid * 0x9e3779b97f4a7c15u ^ sys_now_ns();
  if (options_sample_mode()) { /* the fast paths start now */
    st->sample_gap = *tstate_until_sample(st) = (uint64_t)sampler_next_gap(&st->rng) + 1;
    *tstate_free_mask(st) = AG_SAMPLE_ALIGN - 1;
  }
  int was = guard_enter(st, GUARD_AGENT); /* pthread_setspecific may allocate: an internal block */
  if (threads_key_ready) pthread_setspecific(threads_key, st);
  guard_leave(st, was);
  spin_acquire(&threads_registry_lock);
  st->next = threads_all;
  threads_all = st;
  spin_release(&threads_registry_lock);
}

static threads_counts threads_raw_totals(void) {
  spin_acquire(&threads_registry_lock);
  threads_counts sum = threads_retired;
  for (const ag_tstate *st = threads_all; st != NULL; st = st->next) threads_add(&sum, st);
  spin_release(&threads_registry_lock);
  sum.allocs += atomic_load_explicit(&threads_handler_allocs, memory_order_relaxed);
  sum.frees += atomic_load_explicit(&threads_handler_frees, memory_order_relaxed);
  sum.bytes_allocated += atomic_load_explicit(&threads_handler_bytes_allocated, memory_order_relaxed);
  sum.bytes_freed += atomic_load_explicit(&threads_handler_bytes_freed, memory_order_relaxed);
  return sum;
}

static uint64_t threads_since(uint64_t now, uint64_t base) { return now > base ? now - base : 0; }

threads_counts threads_totals(void) {
  threads_counts sum = threads_raw_totals();
  sum.allocs = threads_since(sum.allocs, threads_base.allocs);
  sum.frees = threads_since(sum.frees, threads_base.frees);
  sum.bytes_allocated = threads_since(sum.bytes_allocated, threads_base.bytes_allocated);
  sum.bytes_freed = threads_since(sum.bytes_freed, threads_base.bytes_freed);
  return sum;
}

void threads_restart_totals(void) { threads_base = threads_raw_totals(); }

/* A thread that does not exist in this child (forked by another) was in
 * the middle of a block operation (record.c): its counts become what the
 * headers it left say.  A block it was freeing is freed once its header is
 * gone (with a block being made, it was taken before that began); a block
 * being made is made once its header is there. */
static void threads_settle_op(ag_tstate *st) {
  if (!st->op_under_way) return;
  blocks_info b;
  int made = st->op_new != 0 && blocks_get_copied(~st->op_new, &b) && b.stack != BLOCKS_STACK_INTERNAL;
  int freed = st->op_old != 0 && (st->op_new != 0 || !blocks_get_copied(~st->op_old, &b));
  st->allocs = st->op_allocs + (uint64_t)made;
  st->bytes_allocated = st->op_bytes_allocated + (made ? st->op_new_size : 0);
  st->frees = st->op_frees + (uint64_t)freed;
  st->bytes_freed = st->op_bytes_freed + (freed ? st->op_old_size : 0);
  st->op_under_way = 0;
}

void threads_after_fork_child(void) {
  /* Only this thread exists now: the others' counts become retired. */
  spin_reset(&threads_registry_lock);
  ag_tstate *self = &ag_thread;
  for (ag_tstate *st = threads_all; st != NULL; st = st->next) {
    if (st == self) continue;
    if (!options_sample_mode()) threads_settle_op(st);
    threads_add(&threads_retired, st);
    atomic_fetch_add_explicit(&threads_live, st->live_pending, memory_order_relaxed);
    lifetimes_retire(st);
  }
  threads_all = self->registered ? self : NULL;
  if (self->registered) {
    self->next = NULL;
    self->tid = sys_gettid();
  }
}

/* ---- the live heap's peak -------------------------------------------------- */

/* The live total reached high at most: the peak follows. */
static void threads_note_peak(int64_t high) {
  uint64_t peak = atomic_load_explicit(&threads_peak, memory_order_relaxed);
  while (high > 0 && (uint64_t)high > peak &&
         !atomic_compare_exchange_weak_explicit(&threads_peak, &peak, (uint64_t)high, memory_order_relaxed,
                                                memory_order_relaxed)) {
  }
}

void threads_flush_live(ag_tstate *st) {
  int64_t before = atomic_fetch_add_explicit(&threads_live, st->live_pending, memory_order_relaxed);
  int64_t high = before + st->live_pending_max;
  st->live_pending = st->live_pending_max = 0;
  threads_note_peak(high);
}

void threads_count_in_handler(int alloc, uint64_t bytes) {
  int64_t delta = alloc ? (int64_t)bytes : -(int64_t)bytes;
  if (alloc) {
    atomic_fetch_add_explicit(&threads_handler_allocs, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&threads_handler_bytes_allocated, bytes, memory_order_relaxed);
  } else {
    atomic_fetch_add_explicit(&threads_handler_frees, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&threads_handler_bytes_freed, bytes, memory_order_relaxed);
  }
  int64_t before = atomic_fetch_add_explicit(&threads_live, delta, memory_order_relaxed);
  threads_note_peak(before + delta);
}

uint64_t threads_peak_bytes(void) {
  threads_flush_live(&ag_thread);
  return atomic_load_explicit(&threads_peak, memory_order_relaxed);
}

struct lifetimes_table *threads_lifetimes(void) {
  spin_acquire(&threads_registry_lock);
  struct lifetimes_table *sum = lifetimes_collect(threads_all);
  spin_release(&threads_registry_lock);
  return sum;
}

/* ---- the dead stack ------------------------------------------------------ */

#define THREADS_PAGE 4096
#define THREADS_MINCORE_PAGES 512

/* Whole resident pages from the bottom of the mapping to a margin below
 * the stack pointer (memset and mincore run there; the caller clears the
 * margin then, threads_clear_margin).  The exit path's frames that come
 * next reuse that memory without writing all of it; memcheck sees what
 * they leave unwritten as undefined, so stale pointers there must not
 * count. */
__attribute__((noinline)) uintptr_t threads_clear_dead_stack(void) {
  uintptr_t sp;
  __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
  uintptr_t lo, hi;
  int main_stack;
  /* only the main thread's own stack: a stack the program placed in memory
   * of its own may have live data below its stack pointer */
  if (sys_find_mapping(sp, &lo, &hi, &main_stack) != 0 || !main_stack) return 0;
  uintptr_t top = (sp - THREADS_CLEAR_MARGIN) & ~(uintptr_t)(THREADS_PAGE - 1);
  if (top < lo) top = lo;
  unsigned char resident[THREADS_MINCORE_PAGES];
  for (uintptr_t from = lo; from < top;) {
    uintptr_t to = from + (uintptr_t)THREADS_MINCORE_PAGES * THREADS_PAGE;
    if (to > top) to = top;
    if (mincore((void *)from, to - from, resident) != 0) break;
    for (uintptr_t page = from; page < to; page += THREADS_PAGE)
      if (resident[(page - from) / THREADS_PAGE] & 1) memset((void *)page, 0, THREADS_PAGE);
    from = to;
  }
  return lo;
}
