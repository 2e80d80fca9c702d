/*
 * stacktab.c: the stack table.  Every distinct call stack is stored once
 * and named by a small id, which is what a live block or a sample keeps.
 *
 * Lock-free and insert-only: an open-addressing array of slots, each 0 or
 * the offset of an entry in an append-only arena.  A new entry is written
 * in full, then published with one compare-and-swap on the first empty
 * slot; a thread that loses the race compares against the winner.  The
 * slot index is the stack id (0 is reserved for "unknown").  Both regions
 * are reserved once (MAP_NORESERVE) so nothing ever moves.
 */
#include <string.h>

#include "agent.h"

#define STACKTAB_SLOTS (1u << 22)                  /* ids fit LIVE_STACK_BITS */
#define STACKTAB_MAX_FILL (STACKTAB_SLOTS / 4 * 3)
#define STACKTAB_ARENA_BYTES ((size_t)2 << 30)

static _Atomic uint64_t *stacktab_slots;
static char *stacktab_arena;
static _Atomic size_t stacktab_arena_used;
static _Atomic uint32_t stacktab_count;

int stacktab_init(void) {
  stacktab_slots = sys_map(STACKTAB_SLOTS * sizeof *stacktab_slots);
  stacktab_arena = sys_map(STACKTAB_ARENA_BYTES);
  if (stacktab_slots == NULL || stacktab_arena == NULL) return -1;
  atomic_store(&stacktab_arena_used, 64); /* offset 0 means "empty slot" */
  return 0;
}

static uint64_t stacktab_hash(const uintptr_t *pcs, int depth) {
  uint64_t h = 0x9e3779b97f4a7c15u ^ (uint64_t)depth;
  for (int i = 0; i < depth; i++) {
    h ^= pcs[i];
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 32;
  }
  return h ? h : 1;
}

static int stacktab_same(const stacktab_entry *e, uint64_t hash, const uintptr_t *pcs, int depth) {
  return e->hash == hash && e->depth == (uint32_t)depth &&
         memcmp(e->pcs, pcs, (size_t)depth * sizeof *pcs) == 0;
}

uint32_t stacktab_intern(const uintptr_t *pcs, int depth) {
  if (stacktab_slots == NULL || depth <= 0) return 0;
  uint64_t hash = stacktab_hash(pcs, depth);
  uint32_t mask = STACKTAB_SLOTS - 1;
  uint32_t i = (uint32_t)(hash >> 20) & mask;
  size_t mine = 0; /* our entry, once written */
  for (uint32_t probes = 0; probes < STACKTAB_SLOTS; probes++, i = (i + 1) & mask) {
    if (i == 0) continue;
    uint64_t off = atomic_load_explicit(&stacktab_slots[i], memory_order_acquire);
    if (off == 0) {
      if (mine == 0) {
        if (atomic_load_explicit(&stacktab_count, memory_order_relaxed) >= STACKTAB_MAX_FILL)
          return 0;
        size_t bytes = sizeof(stacktab_entry) + (size_t)depth * sizeof(uintptr_t);
        bytes = (bytes + 15) & ~(size_t)15;
        mine = atomic_fetch_add_explicit(&stacktab_arena_used, bytes, memory_order_relaxed);
        if (mine + bytes > STACKTAB_ARENA_BYTES) return 0;
        stacktab_entry *e = (stacktab_entry *)(stacktab_arena + mine);
        e->hash = hash;
        e->depth = (uint32_t)depth;
        memcpy(e->pcs, pcs, (size_t)depth * sizeof *pcs);
      }
      stacktab_entry *e = (stacktab_entry *)(stacktab_arena + mine);
      e->id = i;
      uint64_t expected = 0;
      if (atomic_compare_exchange_strong_explicit(&stacktab_slots[i], &expected, mine,
                                                  memory_order_release, memory_order_acquire)) {
        atomic_fetch_add_explicit(&stacktab_count, 1, memory_order_relaxed);
        return i;
      }
      off = expected; /* somebody else published here first */
    }
    if (stacktab_same((stacktab_entry *)(stacktab_arena + off), hash, pcs, depth)) return i;
  }
  return 0;
}

stacktab_entry *stacktab_get(uint32_t id) {
  if (stacktab_slots == NULL || id == 0 || id >= STACKTAB_SLOTS) return NULL;
  uint64_t off = atomic_load_explicit(&stacktab_slots[id], memory_order_acquire);
  return off ? (stacktab_entry *)(stacktab_arena + off) : NULL;
}

uint32_t stacktab_limit(void) { return STACKTAB_SLOTS; }
