/*
 * sampler.c: the sampled set and the sampling draws (see sampler.h).
 *
 * Sampled blocks are allocated page-aligned (record.c asks glibc for a
 * 4096-aligned block), so a free of any pointer that is not page-aligned
 * skips the sampled set without a lookup; only page-aligned frees look.
 * About one chunk in 256 is page-aligned by chance, so those frees first
 * ask a lock-free counting filter (a byte per hash of the page number) and
 * take the set's lock only when a sampled block may be there.  The set
 * itself is small (live heap / R entries) and guarded by a lock taken only
 * on sampled allocations and on frees that pass the filter.
 *
 * Lifetimes: each sampled block remembers when it was allocated; when it is
 * freed, its weight goes to its stack's histogram of lifetimes by decade
 * (under 1 us, 10 us, ... 100 s, longer), an unbiased estimate of how long
 * that site's objects live (temporary allocations show up under 1 ms).
 */
#include "sampler.h"

#include <math.h>
#include <string.h>

#include "failures.h"
#include "options.h"
#include "slots.h"
#include "spin.h"
#include "sys.h"

typedef struct {
  uintptr_t ptr;
  uint64_t size;
  double weight;
  uint64_t born_ns;
  uint32_t stack;
} sampler_entry;

/* One stack's freed samples by lifetime decade, weighted (object
 * estimates); the key is the stack id + 1 (0: empty slot). */
typedef struct {
  uintptr_t stack_plus1;
  double died[SAMPLER_LIFETIME_BUCKETS];
} sampler_lifetime;

static sampler_lifetime *sampler_lifetimes; /* under the lock */
static uint64_t sampler_lifetime_mask, sampler_lifetime_count;

static sampler_entry *sampler_slots;
static uint64_t sampler_mask, sampler_count;
static spin_lock sampler_spin;
static double sampler_live; /* sum of weight x size over the set, under the lock */
static double sampler_peak; /* the most sampler_live has been */

/* Counting filter: how many sampled blocks hash to each byte, changed under
 * the lock, read without it.  Small enough (128 cache lines) to stay in the
 * cache of a thread that frees often; with a few hundred live samples, a
 * few percent of page-aligned frees get a false "maybe", which costs one
 * lookup.  A byte that reaches 255 stays there (more false "maybe"s, never
 * a missed block).  A block is counted before its pointer reaches the
 * program, so any free of it sees the count. */
#define SAMPLER_FILTER_SIZE 8192
#define SAMPLER_FILTER_STUCK 255
static _Atomic uint8_t sampler_filter[SAMPLER_FILTER_SIZE];

void sampler_lock(void) { spin_acquire(&sampler_spin); }
void sampler_unlock(void) { spin_release(&sampler_spin); }
void sampler_reset_lock(void) { spin_reset(&sampler_spin); }

static uint64_t sampler_hash(uintptr_t ptr) { return ((uint64_t)ptr >> 12) * 0x9e3779b97f4a7c15u >> 16; }
static uint64_t sampler_stack_hash(uintptr_t stack_plus1) { return (uint64_t)(stack_plus1 - 1) * 0x9e3779b97f4a7c15u >> 20; }

static _Atomic uint8_t *sampler_filter_byte(uintptr_t ptr) {
  return &sampler_filter[sampler_hash(ptr) >> 32 & (SAMPLER_FILTER_SIZE - 1)];
}

/* Under the lock. */
static void sampler_filter_add(uintptr_t ptr, int delta) {
  _Atomic uint8_t *b = sampler_filter_byte(ptr);
  uint8_t n = atomic_load_explicit(b, memory_order_relaxed);
  if (n != SAMPLER_FILTER_STUCK) atomic_store_explicit(b, (uint8_t)(n + delta), memory_order_release);
}

/* Doubles an open-addressing table (or makes its first 'first' slots);
 * under the lock.  0, or -1 when no memory is left. */
static int sampler_grow(void **table, uint64_t *mask, size_t esize, uint64_t first, slots_hash_fn hash) {
  uint64_t cap = *table ? (*mask + 1) * 2 : first;
  void *bigger = sys_map(cap * esize);
  if (bigger == NULL) return -1;
  if (*table != NULL) {
    slots_rehash(bigger, cap - 1, *table, *mask, esize, hash);
    sys_unmap(*table, (*mask + 1) * esize);
  }
  *table = bigger;
  *mask = cap - 1;
  return 0;
}

void sampler_record(uintptr_t ptr, size_t size, uint32_t stack, double weight) {
  uint64_t born = sys_now_ns();
  sampler_lock();
  if ((sampler_count + 1) * 2 > sampler_mask + 1 || sampler_slots == NULL) {
    if (sampler_grow((void **)&sampler_slots, &sampler_mask, sizeof *sampler_slots, 1024, sampler_hash) != 0) {
      sampler_unlock();
      failures_note(FAILURE_SAMPLE);
      return;
    }
  }
  uint64_t j = slots_find(sampler_slots, sizeof *sampler_slots, sampler_mask, ptr, sampler_hash);
  if (sampler_slots[j].ptr == 0) {
    sampler_count++;
    sampler_filter_add(ptr, 1);
  } else {
    sampler_live -= sampler_slots[j].weight * (double)sampler_slots[j].size;
  }
  sampler_slots[j] = (sampler_entry){ptr, size, weight, born, stack};
  sampler_live += weight * (double)size;
  if (sampler_live > sampler_peak) sampler_peak = sampler_live;
  sampler_unlock();
}

/* The decade of a lifetime: 0 under 1 us, 1 under 10 us, ... */
static int sampler_lifetime_bucket(uint64_t ns) {
  int b = 0;
  for (uint64_t limit = 1000; b < SAMPLER_LIFETIME_BUCKETS - 1 && ns >= limit; limit *= 10) b++;
  return b;
}

/* Under the lock: a freed sample of stack lived ns. */
static void sampler_lifetime_add(uint32_t stack, uint64_t ns, double weight) {
  if ((sampler_lifetime_count + 1) * 2 > sampler_lifetime_mask + 1 || sampler_lifetimes == NULL) {
    if (sampler_grow((void **)&sampler_lifetimes, &sampler_lifetime_mask, sizeof *sampler_lifetimes, 256,
                     sampler_stack_hash) != 0) {
      failures_note(FAILURE_LIFETIME);
      return;
    }
  }
  uint64_t j = slots_find(sampler_lifetimes, sizeof *sampler_lifetimes, sampler_lifetime_mask,
                          (uintptr_t)stack + 1, sampler_stack_hash);
  sampler_lifetime *slot = &sampler_lifetimes[j];
  if (slot->stack_plus1 == 0) {
    slot->stack_plus1 = (uintptr_t)stack + 1;
    sampler_lifetime_count++;
  }
  slot->died[sampler_lifetime_bucket(ns)] += weight;
}

void sampler_foreach_lifetime(void (*fn)(uint32_t stack, const double *died, void *arg), void *arg) {
  sampler_lock();
  for (uint64_t i = 0; sampler_lifetimes != NULL && i <= sampler_lifetime_mask; i++)
    if (sampler_lifetimes[i].stack_plus1 != 0)
      fn((uint32_t)(sampler_lifetimes[i].stack_plus1 - 1), sampler_lifetimes[i].died, arg);
  sampler_unlock();
}

int sampler_may_hold(uintptr_t ptr) {
  return atomic_load_explicit(sampler_filter_byte(ptr), memory_order_acquire) != 0;
}

int sampler_remove(uintptr_t ptr) {
  if (!sampler_may_hold(ptr)) return 0;
  sampler_lock();
  int found = 0;
  if (sampler_slots != NULL) {
    uint64_t j = slots_find(sampler_slots, sizeof *sampler_slots, sampler_mask, ptr, sampler_hash);
    const sampler_entry *e = &sampler_slots[j];
    if (e->ptr == ptr) {
      found = 1;
      sampler_count--;
      sampler_filter_add(ptr, -1);
      uint64_t now = sys_now_ns();
      sampler_lifetime_add(e->stack, now > e->born_ns ? now - e->born_ns : 0, e->weight);
      sampler_live -= e->weight * (double)e->size;
      slots_delete(sampler_slots, sizeof *sampler_slots, sampler_mask, j, sampler_hash);
    }
  }
  sampler_unlock();
  return found;
}

void sampler_foreach(sampler_visit_fn fn, void *arg) {
  sampler_lock();
  for (uint64_t i = 0; sampler_slots != NULL && i <= sampler_mask; i++)
    if (sampler_slots[i].ptr)
      fn(sampler_slots[i].ptr, sampler_slots[i].size, sampler_slots[i].stack, sampler_slots[i].weight, arg);
  sampler_unlock();
}

double sampler_next_gap(uint64_t *rng) {
  uint64_t x = *rng ? *rng : sys_now_ns() | 1;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *rng = x;
  uint64_t r = x * 0x2545f4914f6cdd1du;
  double u = ((double)(r >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
  return -log(u) * (double)ag_opt.sample;
}

uint64_t sampler_live_bytes(void) {
  sampler_lock();
  double live = sampler_live;
  sampler_unlock();
  return live > 0 ? (uint64_t)(live + 0.5) : 0;
}

uint64_t sampler_peak_bytes(void) {
  sampler_lock();
  double peak = sampler_peak;
  sampler_unlock();
  return peak > 0 ? (uint64_t)(peak + 0.5) : 0;
}

double sampler_weight(size_t size) {
  double p = 1.0 - exp(-(double)size / (double)ag_opt.sample);
  return p > 0 ? 1.0 / p : 1.0;
}
