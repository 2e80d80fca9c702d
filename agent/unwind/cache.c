/*
 * cache.c: the table of unwind rules by code address (see unwind_int.h
 * for the lookup, which is inline in the capture loop).
 *
 * Open addressing with linear probing over 16-byte slots: a key is claimed
 * with a compare-and-swap, then its rule is stored; readers take a slot
 * whose rule is still 0 for a miss and compute the rule themselves.  The
 * table starts small, so that the hot rules share few cache lines, and is
 * replaced by a copy four times as big when half full; the old table stays
 * mapped because readers may still be probing it.  A flush (after dlclose)
 * zeroes every rule and bumps a generation count.  Memory comes from
 * sys_map() only; nothing here locks, except that one thread at a time
 * grows the table while the others carry on with the old one.
 */
#include "unwind_int.h"

#include "sys.h"

#define UNWIND_CACHE_FIRST_BITS 12
#define UNWIND_CACHE_MAX_BITS 20

_Atomic(unwind_table *) unwind_cache_table;
_Atomic uint64_t unwind_cache_gen;
static atomic_flag unwind_cache_growing = ATOMIC_FLAG_INIT;

static unwind_table *unwind_cache_new(uint32_t bits) {
  unwind_table *t = sys_map(sizeof *t + ((size_t)1 << bits) * sizeof(unwind_slot));
  if (t != NULL) t->bits = bits;
  return t;
}

int unwind_cache_init(void) {
  unwind_table *t = unwind_cache_new(UNWIND_CACHE_FIRST_BITS);
  if (t == NULL) return -1;
  atomic_store(&unwind_cache_table, t);
  return 0;
}

/* Puts key's rule into t; returns 1 when it took an empty slot, 0 when the
 * key was there already, -1 when the probe window is full. */
static int unwind_cache_put(unwind_table *t, uintptr_t key, uint64_t rule) {
  uint32_t mask = (1u << t->bits) - 1, h = unwind_cache_hash(key, t->bits);
  for (uint32_t i = 0; i < UNWIND_PROBES; i++) {
    unwind_slot *s = &t->slots[(h + i) & mask];
    uintptr_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
    int claimed = 0;
    if (k == 0 && atomic_compare_exchange_strong(&s->key, &k, key)) {
      k = key;
      claimed = 1;
    }
    if (k == key) {
      atomic_store_explicit(&s->rule, rule, memory_order_relaxed);
      return claimed;
    }
  }
  return -1;
}

static void unwind_cache_grow(unwind_table *old) {
  if (old->bits >= UNWIND_CACHE_MAX_BITS) return;
  if (atomic_flag_test_and_set(&unwind_cache_growing)) return; /* another thread grows it */
  if (atomic_load(&unwind_cache_table) == old) {
    unwind_table *t = unwind_cache_new(old->bits + 2);
    if (t != NULL) {
      uint32_t used = 0;
      for (uint32_t i = 0; i < (1u << old->bits); i++) {
        uintptr_t k = atomic_load_explicit(&old->slots[i].key, memory_order_relaxed);
        uint64_t r = atomic_load_explicit(&old->slots[i].rule, memory_order_relaxed);
        if (k != 0 && r != 0 && unwind_cache_put(t, k, r) == 1) used++;
      }
      atomic_store_explicit(&t->used, used, memory_order_relaxed);
      atomic_store_explicit(&unwind_cache_table, t, memory_order_release);
    }
  }
  atomic_flag_clear(&unwind_cache_growing);
}

uint64_t unwind_cache_miss(uintptr_t key) {
  uint64_t rule = unwind_cfi_rule(key);
  unwind_table *t = atomic_load_explicit(&unwind_cache_table, memory_order_acquire);
  int put = unwind_cache_put(t, key, rule);
  uint32_t used = put == 1 ? atomic_fetch_add_explicit(&t->used, 1, memory_order_relaxed) + 1
                           : atomic_load_explicit(&t->used, memory_order_relaxed);
  if (put < 0 || used > (1u << t->bits) / 2) unwind_cache_grow(t);
  return rule;
}

void unwind_flush(void) {
  unwind_table *t = atomic_load(&unwind_cache_table);
  if (t == NULL) return;
  atomic_fetch_add(&unwind_cache_gen, 1);
  for (uint32_t i = 0; i < (1u << t->bits); i++)
    if (atomic_load_explicit(&t->slots[i].key, memory_order_relaxed) != 0)
      atomic_store_explicit(&t->slots[i].rule, 0, memory_order_relaxed);
}
