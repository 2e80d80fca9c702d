/*
 * live.c: the table of live blocks in full mode (see live.h).
 *
 * 256 shards chosen by the 1 MiB region of the address (threads allocate
 * from different glibc arenas, so they rarely meet), each an open-addressing
 * table (slots.h) with its own spinlock; a free from another thread costs
 * the same as a local one.  Slots follow the address (see live_hash) for
 * locality.  An entry is 16 bytes: the address, and size (40 bits) with
 * the stack id (24 bits).  A shard doubles when it is 70% full; its memory
 * comes from sys_map.
 */
#include "live.h"

#include <sys/mman.h>

#include "failures.h"
#include "slots.h"
#include "spin.h"
#include "sys.h"

#define LIVE_SHARDS 256
#define LIVE_INITIAL 256
#define LIVE_SIZE_MAX ((UINT64_C(1) << (64 - LIVE_STACK_BITS)) - 1)

typedef struct {
  uintptr_t ptr;
  uint64_t meta; /* size << LIVE_STACK_BITS | stack */
} live_entry;
_Static_assert(sizeof(live_entry) == 16, "a live entry is 16 bytes");

typedef struct {
  spin_lock lock;
  uint32_t mask; /* capacity - 1, 0 before first use */
  uint32_t count;
  live_entry *slots;
} __attribute__((aligned(64))) live_shard;

static live_shard live_shards[LIVE_SHARDS];

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

/* The slot hint alone, as slots.h wants it. */
static uint64_t live_slot_hash(uintptr_t ptr) { return live_hash(ptr) >> 8; }

static inline live_shard *live_shard_of(uint64_t h) { return &live_shards[h & (LIVE_SHARDS - 1)]; }

static int live_grow(live_shard *s) {
  uint32_t cap = s->mask ? (s->mask + 1) * 2 : LIVE_INITIAL;
  live_entry *slots = sys_map(cap * sizeof *slots);
  if (slots == NULL) return -1;
  if (cap * sizeof *slots >= (2u << 20)) madvise(slots, cap * sizeof *slots, MADV_HUGEPAGE);
  if (s->slots != NULL) {
    slots_rehash(slots, cap - 1, s->slots, s->mask, sizeof *slots, live_slot_hash);
    sys_unmap(s->slots, (s->mask + 1) * sizeof *s->slots);
  }
  s->slots = slots;
  s->mask = cap - 1;
  return 0;
}

void live_insert(uintptr_t ptr, size_t size, uint32_t stack) {
  live_shard *s = live_shard_of(live_hash(ptr));
  uint64_t meta = ((uint64_t)(size > LIVE_SIZE_MAX ? LIVE_SIZE_MAX : size) << LIVE_STACK_BITS) |
                  (stack & ((1u << LIVE_STACK_BITS) - 1));
  spin_acquire(&s->lock);
  if ((s->count + 1) * 10 > (s->mask + 1) * 7 || s->mask == 0) {
    if (live_grow(s) != 0) {
      spin_release(&s->lock);
      failures_note(FAILURE_LIVE_BLOCK);
      return;
    }
  }
  uint64_t j = slots_find(s->slots, sizeof *s->slots, s->mask, ptr, live_slot_hash);
  if (s->slots[j].ptr == 0) s->count++;
  s->slots[j] = (live_entry){ptr, meta};
  spin_release(&s->lock);
}

int live_remove(uintptr_t ptr, size_t *size, uint32_t *stack) {
  live_shard *s = live_shard_of(live_hash(ptr));
  spin_acquire(&s->lock);
  if (s->mask == 0) {
    spin_release(&s->lock);
    return 0;
  }
  uint64_t j = slots_find(s->slots, sizeof *s->slots, s->mask, ptr, live_slot_hash);
  if (s->slots[j].ptr == 0) {
    spin_release(&s->lock);
    return 0;
  }
  uint64_t meta = s->slots[j].meta;
  slots_delete(s->slots, sizeof *s->slots, s->mask, j, live_slot_hash);
  s->count--;
  spin_release(&s->lock);
  if (size) *size = (size_t)(meta >> LIVE_STACK_BITS);
  if (stack) *stack = (uint32_t)(meta & ((1u << LIVE_STACK_BITS) - 1));
  return 1;
}

void live_foreach(live_visit_fn fn, void *arg, int world_stopped) {
  for (int i = 0; i < LIVE_SHARDS; i++) {
    live_shard *s = &live_shards[i];
    if (!world_stopped) spin_acquire(&s->lock);
    for (uint32_t j = 0; s->slots != NULL && j <= s->mask; j++) {
      const live_entry *e = &s->slots[j];
      if (e->ptr != 0)
        fn(e->ptr, (size_t)(e->meta >> LIVE_STACK_BITS),
           (uint32_t)(e->meta & ((1u << LIVE_STACK_BITS) - 1)), arg);
    }
    if (!world_stopped) spin_release(&s->lock);
  }
}

uint64_t live_count(void) {
  uint64_t n = 0;
  for (int i = 0; i < LIVE_SHARDS; i++) n += live_shards[i].count;
  return n;
}

void live_lock_all(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) spin_acquire(&live_shards[i].lock);
}

void live_unlock_all(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) spin_release(&live_shards[i].lock);
}

void live_reset_locks(void) {
  for (int i = 0; i < LIVE_SHARDS; i++) spin_reset(&live_shards[i].lock);
}
