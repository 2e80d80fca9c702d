/*
 * lifetimes.c: per-thread tables of freed blocks' lifetimes, and their sum
 * for a snapshot (see lifetimes.h).
 *
 * A table maps a key, (stack id + 1) << LIFETIMES_KEY_SHIFT | cell, to a
 * count.  Cells below LIFETIMES_TEMPORARIES_CELL are histogram bins: bin
 * f (16 per octave of ticks, exact under 16 ticks) times 2, plus 1 for
 * the part of the bin at or above the one decade boundary (1 us, 10 us,
 * ...) that may fall inside it, so that the decades are exact while the
 * bins stay few.  One more cell per stack counts its temporaries; its
 * longest lifetime is kept in its stack table entry, which changes
 * rarely.  Only the owning thread writes its table (plain loads, and
 * stores other threads may read at any time); a table that fills is
 * copied into one twice its size, and the old one is kept until the
 * thread ends, so that a snapshot reading it meanwhile never reads freed
 * memory.
 */
#include "lifetimes.h"

#include <math.h>

#include "failures.h"
#include "stacktab.h"
#include "ticks.h"

#define LIFETIMES_KEY_SHIFT 11
#define LIFETIMES_TEMPORARIES_CELL 2047
#define LIFETIMES_SUB_BITS 4 /* 16 bins per octave */
#define LIFETIMES_BINS (16 + (TICKS_BITS - LIFETIMES_SUB_BITS) * 16)
_Static_assert(LIFETIMES_BINS * 2 <= LIFETIMES_TEMPORARIES_CELL, "the bins fit below the special cells");
#define LIFETIMES_FIRST_SLOTS 256

typedef struct {
  uint64_t key; /* 0: empty */
  uint64_t value;
} lifetimes_slot;

struct lifetimes_table {
  uint64_t mask, used;
  lifetimes_table *older; /* outgrown tables, released with this one */
  uint64_t bytes;         /* this table's mapping */
  lifetimes_slot slots[];
};

static uint64_t lifetimes_split[LIFETIMES_BINS]; /* the decade boundary inside bin f, or UINT64_MAX */
static uint64_t lifetimes_boundary[LIFETIMES_DECADES - 1]; /* 1 us, 10 us, ... 100 s in ticks */
static lifetimes_table *lifetimes_retired; /* under the thread registry's lock */

/* A stack's cells lie side by side from a slot chosen by the stack alone
 * (the two halves of a bin in neighbouring slots), so that the bins a
 * stack's blocks fall in, a few octaves wide, share a few cache lines. */
static uint64_t lifetimes_hash(uintptr_t key) {
  return ((uint64_t)(key >> LIFETIMES_KEY_SHIFT) * 0x9e3779b97f4a7c15u >> 24) +
         ((key & ((UINT64_C(1) << LIFETIMES_KEY_SHIFT) - 1)) >> 1);
}

static inline unsigned lifetimes_bin(uint64_t t) {
  if (t < 16) return (unsigned)t;
  unsigned msb = 63u - (unsigned)__builtin_clzll(t);
  return 16 + (msb - LIFETIMES_SUB_BITS) * 16 + (unsigned)((t >> (msb - LIFETIMES_SUB_BITS)) & 15);
}

/* Bin f holds the lifetimes [lo, hi) in ticks. */
static void lifetimes_bin_range(unsigned f, uint64_t *lo, uint64_t *hi) {
  if (f < 16) {
    *lo = f;
    *hi = f + 1;
    return;
  }
  unsigned msb = (f - 16) / 16 + LIFETIMES_SUB_BITS, m = (f - 16) % 16;
  *lo = (uint64_t)(16 + m) << (msb - LIFETIMES_SUB_BITS);
  *hi = (uint64_t)(17 + m) << (msb - LIFETIMES_SUB_BITS);
}

void lifetimes_init(void) {
  double ns = 1000.0;
  for (int d = 0; d < LIFETIMES_DECADES - 1; d++, ns *= 10)
    lifetimes_boundary[d] = (uint64_t)ceil(ns / ticks.ns_per_tick);
  for (unsigned f = 0; f < LIFETIMES_BINS; f++) {
    uint64_t lo, hi;
    lifetimes_bin_range(f, &lo, &hi);
    lifetimes_split[f] = UINT64_MAX;
    for (int d = 0; d < LIFETIMES_DECADES - 1; d++)
      if (lifetimes_boundary[d] > lo && lifetimes_boundary[d] < hi) lifetimes_split[f] = lifetimes_boundary[d];
  }
}

/* The decade of a lifetime of t ticks: 0 under 1 us, ... 9 at 100 s and over. */
static int lifetimes_decade(uint64_t t) {
  int d = 0;
  while (d < LIFETIMES_DECADES - 1 && t >= lifetimes_boundary[d]) d++;
  return d;
}

/* ---- tables ---------------------------------------------------------------- */

static lifetimes_table *lifetimes_new(uint64_t slots) {
  uint64_t bytes = sizeof(lifetimes_table) + slots * sizeof(lifetimes_slot);
  lifetimes_table *t = sys_map(bytes);
  if (t == NULL) return NULL;
  t->mask = slots - 1;
  t->bytes = bytes;
  return t;
}

static void lifetimes_release(lifetimes_table *t) {
  while (t != NULL) {
    lifetimes_table *older = t->older;
    sys_unmap(t, t->bytes);
    t = older;
  }
}

/* The slot holding key, or the empty one where it goes.  A stack's cells
 * have neighbouring homes, so the runs of different stacks overlap; with
 * linear probing a collision would walk on through the next stack's run
 * (one put took 55 probes on average at 65,536 live blocks a thread).
 * Triangular steps (1, 2, 3, ...) leave the run at once and still visit
 * every slot of a power-of-two table.  Nothing is ever deleted. */
static uint64_t lifetimes_find(const lifetimes_table *t, uint64_t key) {
  uint64_t i = lifetimes_hash(key) & t->mask;
  for (uint64_t step = 1; t->slots[i].key != 0 && t->slots[i].key != key; step++) i = (i + step) & t->mask;
  return i;
}

/* Adds value into key's slot of a table with room; only its owner writes it. */
static void lifetimes_put(lifetimes_table *t, uint64_t key, uint64_t value) {
  uint64_t j = lifetimes_find(t, key);
  lifetimes_slot *s = &t->slots[j];
  if (s->key == 0) {
    __atomic_store_n(&s->value, value, __ATOMIC_RELAXED);
    __atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
    t->used++;
    return;
  }
  __atomic_store_n(&s->value, s->value + value, __ATOMIC_RELAXED);
}

/* A table with room for `more` new keys in place of *t (kept as older). */
static lifetimes_table *lifetimes_room(lifetimes_table **t, uint64_t more) {
  lifetimes_table *old = *t;
  if (old != NULL && (old->used + more) * 2 <= old->mask + 1) return old;
  uint64_t slots = old ? (old->mask + 1) * 2 : LIFETIMES_FIRST_SLOTS;
  while ((old ? old->used : 0) + more > slots / 2) slots *= 2;
  lifetimes_table *bigger = lifetimes_new(slots);
  if (bigger == NULL) return NULL;
  if (old != NULL) {
    for (uint64_t i = 0; i <= old->mask; i++)
      if (old->slots[i].key != 0) lifetimes_put(bigger, old->slots[i].key, old->slots[i].value);
  }
  bigger->older = old;
  __atomic_store_n(t, bigger, __ATOMIC_RELEASE);
  return bigger;
}

void lifetimes_note(ag_tstate *st, uint32_t stack, uint64_t t, int temporary) {
  lifetimes_table *tab = st->lifetimes;
  if (AG_UNLIKELY(tab == NULL || (tab->used + 2) * 2 > tab->mask + 1) &&
      (tab = lifetimes_room(&st->lifetimes, 2)) == NULL) {
    failures_note(FAILURE_LIFETIME);
    return;
  }
  unsigned f = lifetimes_bin(t);
  uint64_t base = ((uint64_t)stack + 1) << LIFETIMES_KEY_SHIFT;
  lifetimes_put(tab, base | (uint64_t)f << 1 | (t >= lifetimes_split[f]), 1);
  if (temporary) lifetimes_put(tab, base | LIFETIMES_TEMPORARIES_CELL, 1);
  stacktab_entry *e = stacktab_get(stack);
  if (e == NULL) return;
  uint64_t longest = atomic_load_explicit(&e->longest_life, memory_order_relaxed);
  while (t > longest && !atomic_compare_exchange_weak_explicit(&e->longest_life, &longest, t, memory_order_relaxed,
                                                                memory_order_relaxed)) {
  }
}

/* Adds every key of from into *into, a table only the caller reads; 0,
 * or -1 when no memory is left. */
static int lifetimes_merge(lifetimes_table **into, const lifetimes_table *from) {
  if (from == NULL) return 0;
  lifetimes_table *to = lifetimes_room(into, __atomic_load_n(&from->used, __ATOMIC_RELAXED) + 1);
  if (to == NULL) return -1;
  for (uint64_t i = 0; i <= from->mask; i++) {
    uint64_t key = __atomic_load_n(&from->slots[i].key, __ATOMIC_ACQUIRE);
    if (key == 0) continue;
    if ((to->used + 1) * 2 > to->mask + 1 && (to = lifetimes_room(into, 1)) == NULL) return -1;
    lifetimes_put(to, key, __atomic_load_n(&from->slots[i].value, __ATOMIC_RELAXED));
  }
  lifetimes_release(to->older); /* copied into to, and read by no one else */
  to->older = NULL;
  return 0;
}

void lifetimes_retire(ag_tstate *st) {
  lifetimes_table *t = st->lifetimes;
  if (t == NULL) return;
  if (lifetimes_merge(&lifetimes_retired, t) != 0) failures_note(FAILURE_LIFETIME);
  st->lifetimes = NULL;
  lifetimes_release(t);
}

lifetimes_table *lifetimes_collect(const ag_tstate *threads) {
  lifetimes_table *sum = NULL;
  int rc = lifetimes_merge(&sum, lifetimes_retired);
  for (const ag_tstate *st = threads; rc == 0 && st != NULL; st = st->next)
    rc = lifetimes_merge(&sum, __atomic_load_n(&st->lifetimes, __ATOMIC_ACQUIRE));
  if (rc != 0) {
    failures_note(FAILURE_LIFETIME);
    lifetimes_release(sum);
    return NULL;
  }
  return sum;
}

/* ---- writing ---------------------------------------------------------------- */

/* Sorts a[0..n) by key (heapsort: no memory, no recursion). */
static void lifetimes_sift(lifetimes_slot *a, uint64_t root, uint64_t n) {
  for (uint64_t child; (child = 2 * root + 1) < n; root = child) {
    if (child + 1 < n && a[child + 1].key > a[child].key) child++;
    if (a[root].key >= a[child].key) return;
    lifetimes_slot tmp = a[root];
    a[root] = a[child];
    a[child] = tmp;
  }
}

static void lifetimes_sort(lifetimes_slot *a, uint64_t n) {
  for (uint64_t i = n / 2; i-- > 0;) lifetimes_sift(a, i, n);
  for (uint64_t end = n; end-- > 1;) {
    lifetimes_slot tmp = a[0];
    a[0] = a[end];
    a[end] = tmp;
    lifetimes_sift(a, 0, end);
  }
}

static uint64_t lifetimes_ns(double ticks_value) { return (uint64_t)(ticks_value * ticks.ns_per_tick + 0.5); }

/* The lifetime at the given rank (0-based) of a stack's bins, as the
 * middle of its bin in ns. */
static uint64_t lifetimes_rank(const lifetimes_slot *cells, uint64_t n, uint64_t rank) {
  uint64_t seen = 0;
  for (uint64_t i = 0; i < n; i++) {
    unsigned cell = (unsigned)(cells[i].key & ((UINT64_C(1) << LIFETIMES_KEY_SHIFT) - 1));
    if (cell >= LIFETIMES_TEMPORARIES_CELL) break;
    seen += cells[i].value;
    if (seen > rank) {
      uint64_t lo, hi;
      lifetimes_bin_range(cell >> 1, &lo, &hi);
      return lifetimes_ns(((double)lo + (double)hi) / 2);
    }
  }
  return 0;
}

/* One stack's lines from its cells (sorted by key). */
static void lifetimes_write_stack(sys_writer *w, uint32_t stack, const lifetimes_slot *cells, uint64_t n) {
  uint64_t decades[LIFETIMES_DECADES] = {0}, freed = 0, temporaries = 0;
  for (uint64_t i = 0; i < n; i++) {
    unsigned cell = (unsigned)(cells[i].key & ((UINT64_C(1) << LIFETIMES_KEY_SHIFT) - 1));
    if (cell == LIFETIMES_TEMPORARIES_CELL) {
      temporaries = cells[i].value;
    } else {
      uint64_t lo, hi;
      lifetimes_bin_range(cell >> 1, &lo, &hi);
      int d = lifetimes_decade(lo) + (int)(cell & 1);
      decades[d < LIFETIMES_DECADES ? d : LIFETIMES_DECADES - 1] += cells[i].value;
      freed += cells[i].value;
    }
  }
  if (freed == 0) return;
  sys_put(w, "lifetime ");
  sys_put_u64(w, stack);
  for (int d = 0; d < LIFETIMES_DECADES; d++) {
    sys_putc(w, ' ');
    sys_put_u64(w, decades[d]);
  }
  const stacktab_entry *e = stacktab_get(stack);
  uint64_t max_ns = e ? lifetimes_ns((double)atomic_load_explicit(&e->longest_life, memory_order_relaxed)) : 0;
  uint64_t p50 = lifetimes_rank(cells, n, (freed - 1) / 2), p90 = lifetimes_rank(cells, n, (freed * 9 - 1) / 10);
  sys_put(w, "\nlifetime_stats ");
  sys_put_u64(w, stack);
  sys_putc(w, ' ');
  sys_put_u64(w, temporaries);
  sys_putc(w, ' ');
  sys_put_u64(w, max_ns);
  sys_putc(w, ' ');
  sys_put_u64(w, p50 < max_ns ? p50 : max_ns);
  sys_putc(w, ' ');
  sys_put_u64(w, p90 < max_ns ? p90 : max_ns);
  sys_putc(w, '\n');
}

void lifetimes_write(sys_writer *w, lifetimes_table *sum) {
  if (sum == NULL) return;
  uint64_t n = 0;
  for (uint64_t i = 0; i <= sum->mask; i++)
    if (sum->slots[i].key != 0) sum->slots[n++] = sum->slots[i];
  lifetimes_sort(sum->slots, n);
  for (uint64_t i = 0, end; i < n; i = end) {
    uint64_t stack_plus1 = sum->slots[i].key >> LIFETIMES_KEY_SHIFT;
    for (end = i; end < n && sum->slots[end].key >> LIFETIMES_KEY_SHIFT == stack_plus1;) end++;
    lifetimes_write_stack(w, (uint32_t)(stack_plus1 - 1), &sum->slots[i], end - i);
  }
  lifetimes_release(sum);
}
