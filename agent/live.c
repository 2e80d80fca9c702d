/*
 * live.c: the table of live blocks in full mode (see live.h).
 *
 * 256 shards chosen by the 1 MiB region of the address (threads allocate
 * from different glibc arenas, so they rarely meet), each an open-addressing
 * table (slots.h) with its own spinlock; a free from another thread costs
 * the same as a local one.  Within a shard the slot is a mix of the whole
 * address: neighbouring blocks land in unrelated slots, so runs of occupied
 * slots stay short (an address-ordered layout made long runs that every
 * deletion had to walk).  An entry is 16 bytes: the address, and size (40
 * bits) with the stack id (24 bits).  A shard doubles when it is 70% full;
 * its memory comes from sys_map.
 *
 * A table of many blocks does not fit in the cache, so each operation
 * misses it once.  The misses are overlapped with other work: the hooks
 * ask for the slot's line (live_prefetch) as soon as they know the
 * address, before unwinding the stack for an insert, and a free hands
 * glibc the block while the line comes in (live_remove_release).
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

static inline uint64_t live_mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  return h ^ (h >> 33);
}

static inline live_shard *live_shard_of(uintptr_t ptr) {
  return &live_shards[live_mix((uint64_t)(ptr >> 20)) & (LIVE_SHARDS - 1)];
}

/* The slot hash, for slots.h: the whole address, mixed. */
static uint64_t live_slot_hash(uintptr_t ptr) { return live_mix((uint64_t)ptr >> 4); }

static inline uint64_t live_pack(size_t size, uint32_t stack) {
  return ((uint64_t)(size > LIVE_SIZE_MAX ? LIVE_SIZE_MAX : size) << LIVE_STACK_BITS) |
         (stack & ((1u << LIVE_STACK_BITS) - 1));
}

void live_prefetch(uintptr_t ptr) {
  live_shard *s = live_shard_of(ptr);
  live_entry *slots = s->slots; /* read without the lock: only a hint */
  if (slots != NULL) __builtin_prefetch(&slots[live_slot_hash(ptr) & s->mask], 1);
}

/* The shards' tables come from large regions mapped with huge pages, so
 * that a big table costs few TLB entries (256 small mappings of their own
 * cost one page walk per probe): a bump allocator; a table that a bigger
 * one replaces gives its pages back (MADV_DONTNEED), not its addresses. */
#define LIVE_REGION_BYTES ((size_t)1 << 30)
static spin_lock live_region_lock;
static char *live_region, *live_region_end;

static live_entry *live_table_new(size_t bytes) {
  if (bytes >= LIVE_REGION_BYTES / 4) return sys_map(bytes);
  spin_acquire(&live_region_lock);
  if (live_region == NULL || (size_t)(live_region_end - live_region) < bytes) {
    char *r = sys_map(LIVE_REGION_BYTES);
    if (r == NULL) {
      spin_release(&live_region_lock);
      return NULL;
    }
    madvise(r, LIVE_REGION_BYTES, MADV_HUGEPAGE);
    live_region = r;
    live_region_end = r + LIVE_REGION_BYTES;
  }
  live_entry *t = (live_entry *)live_region;
  live_region += bytes;
  spin_release(&live_region_lock);
  return t;
}

static void live_table_free(live_entry *t, size_t bytes) {
  if (bytes >= LIVE_REGION_BYTES / 4) {
    sys_unmap(t, bytes);
    return;
  }
  uintptr_t from = ((uintptr_t)t + 4095) & ~(uintptr_t)4095, to = ((uintptr_t)t + bytes) & ~(uintptr_t)4095;
  if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
}

static int live_grow(live_shard *s) {
  uint32_t cap = s->mask ? (s->mask + 1) * 2 : LIVE_INITIAL;
  live_entry *slots = live_table_new(cap * sizeof *slots);
  if (slots == NULL) return -1;
  if (s->slots != NULL) {
    slots_rehash(slots, cap - 1, s->slots, s->mask, sizeof *slots, live_slot_hash);
    live_table_free(s->slots, (s->mask + 1) * sizeof *s->slots);
  }
  s->slots = slots;
  s->mask = cap - 1;
  return 0;
}

void live_insert(uintptr_t ptr, size_t size, uint32_t stack) {
  live_shard *s = live_shard_of(ptr);
  uint64_t meta = live_pack(size, stack);
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

/* Under the shard's lock: take ptr out; 1 with its meta if it was there. */
static int live_take(live_shard *s, uintptr_t ptr, uint64_t *meta) {
  if (s->mask == 0) return 0;
  uint64_t j = slots_find(s->slots, sizeof *s->slots, s->mask, ptr, live_slot_hash);
  if (s->slots[j].ptr == 0) return 0;
  *meta = s->slots[j].meta;
  slots_delete(s->slots, sizeof *s->slots, s->mask, j, live_slot_hash);
  s->count--;
  return 1;
}

static void live_unpack(uint64_t meta, size_t *size, uint32_t *stack) {
  if (size) *size = (size_t)(meta >> LIVE_STACK_BITS);
  if (stack) *stack = (uint32_t)(meta & ((1u << LIVE_STACK_BITS) - 1));
}

int live_remove(uintptr_t ptr, size_t *size, uint32_t *stack) {
  live_shard *s = live_shard_of(ptr);
  uint64_t meta = 0;
  spin_acquire(&s->lock);
  int found = live_take(s, ptr, &meta);
  spin_release(&s->lock);
  if (found) live_unpack(meta, size, stack);
  return found;
}

int live_remove_release(uintptr_t ptr, void (*release)(void *), size_t *size, uint32_t *stack) {
  live_shard *s = live_shard_of(ptr);
  live_prefetch(ptr);
  uint64_t meta = 0;
  spin_acquire(&s->lock);
  release((void *)ptr); /* no other thread can insert this address before it is taken out */
  int found = live_take(s, ptr, &meta);
  spin_release(&s->lock);
  if (found) live_unpack(meta, size, stack);
  return found;
}

void live_foreach(live_visit_fn fn, void *arg, int world_stopped) {
  for (int i = 0; i < LIVE_SHARDS; i++) {
    live_shard *s = &live_shards[i];
    if (!world_stopped) spin_acquire(&s->lock);
    for (uint32_t j = 0; s->slots != NULL && j <= s->mask; j++) {
      const live_entry *e = &s->slots[j];
      if (e->ptr != 0) {
        size_t size;
        uint32_t stack;
        live_unpack(e->meta, &size, &stack);
        fn(e->ptr, size, stack, arg);
      }
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
