/*
 * live.c: the table of live blocks in full mode: address -> (size, stack).
 *
 * 256 shards chosen by the 1 MiB region of the address (threads allocate
 * from different glibc arenas, so they rarely meet), each an open-addressing
 * table with its own spinlock; a free from another thread costs the same
 * as a local one.  Slots follow the address (see live_hash) for locality.  An entry is 16 bytes:
 * the address, and size (40 bits) with the stack id (24 bits).  Deletion
 * shifts the following entries back (no tombstones: churn is high).  A
 * shard doubles when it is 70% full; its memory comes from sys_map.
 */
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "agent.h"

#define LIVE_SHARDS 256
#define LIVE_INITIAL 256
#define LIVE_SIZE_MAX ((UINT64_C(1) << (64 - LIVE_STACK_BITS)) - 1)

typedef struct {
  uintptr_t ptr;
  uint64_t meta; /* size << LIVE_STACK_BITS | stack */
} live_entry;

typedef struct {
  _Atomic int lock;
  uint32_t mask; /* capacity - 1, 0 before first use */
  uint32_t count;
  live_entry *slots;
  char pad[64 - sizeof(int) - 2 * sizeof(uint32_t) - sizeof(void *)];
} __attribute__((aligned(64))) live_shard;

static live_shard live_shards[LIVE_SHARDS];

int live_init(void) { return 0; }

/* Where a block lives: its shard by the 1 MiB region it is in, its slot by
 * its address, so that blocks glibc hands out next to each other sit in
 * neighbouring slots (one cache miss serves several) while regions are
 * spread over the table by a mix of the region number.  Returns the shard
 * index in the low 8 bits and the slot hint above them. */
static inline uint64_t live_region_mix(uintptr_t ptr) {
  uint64_t h = (uint64_t)(ptr >> 20);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  return h ^ (h >> 33);
}

static inline uint64_t live_hash(uintptr_t ptr) {
  uint64_t mix = live_region_mix(ptr);
  return (mix & (LIVE_SHARDS - 1)) | ((((uint64_t)ptr >> 4) + (mix >> 8)) << 8);
}

static inline void live_lock(live_shard *s) {
  int spins = 0;
  while (atomic_exchange_explicit(&s->lock, 1, memory_order_acquire)) {
    while (atomic_load_explicit(&s->lock, memory_order_relaxed)) {
      if (++spins > 200) {
        sched_yield();
        spins = 0;
      } else {
        __builtin_ia32_pause();
      }
    }
  }
}

static inline void live_unlock(live_shard *s) {
  atomic_store_explicit(&s->lock, 0, memory_order_release);
}

static int live_grow(live_shard *s) {
  uint32_t cap = s->mask ? (s->mask + 1) * 2 : LIVE_INITIAL;
  live_entry *slots = sys_map(cap * sizeof *slots);
  if (slots == NULL) return -1;
  if (cap * sizeof *slots >= (2u << 20)) madvise(slots, cap * sizeof *slots, MADV_HUGEPAGE);
  uint32_t mask = cap - 1;
  if (s->slots != NULL) {
    for (uint32_t i = 0; i <= s->mask; i++) {
      if (s->slots[i].ptr == 0) continue;
      uint32_t j = (uint32_t)(live_hash(s->slots[i].ptr) >> 8) & mask;
      while (slots[j].ptr != 0) j = (j + 1) & mask;
      slots[j] = s->slots[i];
    }
    sys_unmap(s->slots, (s->mask + 1) * sizeof *s->slots);
  }
  s->slots = slots;
  s->mask = mask;
  return 0;
}

void live_insert(uintptr_t ptr, size_t size, uint32_t stack) {
  uint64_t h = live_hash(ptr);
  live_shard *s = &live_shards[h & (LIVE_SHARDS - 1)];
  uint64_t meta = ((uint64_t)(size > LIVE_SIZE_MAX ? LIVE_SIZE_MAX : size) << LIVE_STACK_BITS) |
                  (stack & ((1u << LIVE_STACK_BITS) - 1));
  live_lock(s);
  if ((s->count + 1) * 10 > (s->mask + 1) * 7 || s->mask == 0) {
    if (live_grow(s) != 0) {
      live_unlock(s);
      return;
    }
  }
  uint32_t j = (uint32_t)(h >> 8) & s->mask;
  while (s->slots[j].ptr != 0 && s->slots[j].ptr != ptr) j = (j + 1) & s->mask;
  if (s->slots[j].ptr == 0) s->count++;
  s->slots[j].ptr = ptr;
  s->slots[j].meta = meta;
  live_unlock(s);
}

int live_remove(uintptr_t ptr, size_t *size, uint32_t *stack) {
  uint64_t h = live_hash(ptr);
  live_shard *s = &live_shards[h & (LIVE_SHARDS - 1)];
  live_lock(s);
  if (s->mask == 0) {
    live_unlock(s);
    return 0;
  }
  uint32_t mask = s->mask, j = (uint32_t)(h >> 8) & mask;
  while (s->slots[j].ptr != ptr) {
    if (s->slots[j].ptr == 0) {
      live_unlock(s);
      return 0;
    }
    j = (j + 1) & mask;
  }
  uint64_t meta = s->slots[j].meta;
  /* backward-shift deletion */
  uint32_t hole = j, k = j;
  for (;;) {
    k = (k + 1) & mask;
    if (s->slots[k].ptr == 0) break;
    uint32_t home = (uint32_t)(live_hash(s->slots[k].ptr) >> 8) & mask;
    /* move k into the hole unless its home lies cyclically in (hole, k] */
    int stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
    if (!stays) {
      s->slots[hole] = s->slots[k];
      hole = k;
    }
  }
  s->slots[hole].ptr = 0;
  s->slots[hole].meta = 0;
  s->count--;
  live_unlock(s);
  if (size) *size = (size_t)(meta >> LIVE_STACK_BITS);
  if (stack) *stack = (uint32_t)(meta & ((1u << LIVE_STACK_BITS) - 1));
  return 1;
}

void live_foreach(live_visit_fn fn, void *arg, int world_stopped) {
  for (int i = 0; i < LIVE_SHARDS; i++) {
    live_shard *s = &live_shards[i];
    if (!world_stopped) live_lock(s);
    for (uint32_t j = 0; s->slots != NULL && j <= s->mask; j++) {
      const live_entry *e = &s->slots[j];
      if (e->ptr != 0)
        fn(e->ptr, (size_t)(e->meta >> LIVE_STACK_BITS),
           (uint32_t)(e->meta & ((1u << LIVE_STACK_BITS) - 1)), arg);
    }
    if (!world_stopped) live_unlock(s);
  }
}

uint64_t live_count(void) {
  uint64_t n = 0;
  for (int i = 0; i < LIVE_SHARDS; i++) n += live_shards[i].count;
  return n;
}

void live_lock_all(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) live_lock(&live_shards[i]);
}

void live_unlock_all(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) live_unlock(&live_shards[i]);
}

void live_reset_locks(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) atomic_store(&live_shards[i].lock, 0);
}
