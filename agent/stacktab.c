/*
 * stacktab.c: the stack table.  Every distinct call stack is stored once
 * and named by a small dense id, which is what a live block or a sample
 * keeps.
 *
 * Entries live in an append-only arena; ids index an append-only array of
 * entry offsets (id 0 is "unknown").  A hash index (open addressing, slots
 * hold id + 1) finds an existing stack without a lock; a miss takes one
 * lock, checks again, appends, and doubles the index when it is half full.
 * An old index stays mapped after a resize, so a reader that still holds
 * it never faults (the sizes add up to less than twice the last one).
 * Memory grows with the stacks actually seen, page by page.
 */
#include "stacktab.h"

#include <string.h>

#include "failures.h"
#include "spin.h"
#include "sys.h"

#define STACKTAB_ARENA_BYTES ((size_t)2 << 30)
#define STACKTAB_FIRST_SLOTS 4096u

typedef struct {
  uint32_t mask;
  _Atomic uint32_t slots[]; /* id + 1, 0 = empty */
} stacktab_index;

static _Atomic(stacktab_index *) stacktab_current;
static _Atomic uint64_t *stacktab_offsets; /* id -> arena offset */
static _Atomic uint32_t stacktab_count;    /* ids in use, 0 included */
static char *stacktab_arena;
static size_t stacktab_arena_used;
static spin_lock stacktab_lock;
/* This thread holds stacktab_lock (a signal handler must not wait for it). */
static __thread int stacktab_inserting __attribute__((tls_model("initial-exec")));

static stacktab_index *stacktab_new_index(uint32_t nslots) {
  stacktab_index *x = sys_map(sizeof *x + (size_t)nslots * sizeof x->slots[0]);
  if (x != NULL) x->mask = nslots - 1;
  return x;
}

int stacktab_init(void) {
  stacktab_offsets = sys_map(STACKTAB_MAX_IDS * sizeof *stacktab_offsets);
  stacktab_arena = sys_map(STACKTAB_ARENA_BYTES);
  stacktab_index *x = stacktab_new_index(STACKTAB_FIRST_SLOTS);
  if (stacktab_offsets == NULL || stacktab_arena == NULL || x == NULL) return -1;
  atomic_store(&stacktab_current, x);
  atomic_store(&stacktab_count, 1);
  return 0;
}

/* Four independent lanes, so the multiplies overlap instead of forming
 * one long dependency chain (this runs on every tracked allocation). */
static uint64_t stacktab_hash(const uintptr_t *pcs, int depth) {
  uint64_t h[4] = {0x9e3779b97f4a7c15u ^ (uint64_t)depth, 0xc2b2ae3d27d4eb4fu, 0x165667b19e3779f9u,
                   0x27d4eb2f165667c5u};
  int i = 0;
  for (; i + 4 <= depth; i += 4)
    for (int l = 0; l < 4; l++) h[l] = (h[l] ^ pcs[i + l]) * 0xff51afd7ed558ccdu;
  for (; i < depth; i++) h[0] = (h[0] ^ pcs[i]) * 0xff51afd7ed558ccdu;
  uint64_t x = h[0] ^ (h[1] >> 17) ^ (h[2] << 13) ^ (h[3] >> 29) ^ h[1] ^ h[2] ^ h[3];
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53u;
  return x ^ (x >> 33);
}

stacktab_entry *stacktab_get(uint32_t id) {
  if (id == 0 || id >= atomic_load_explicit(&stacktab_count, memory_order_acquire)) return NULL;
  uint64_t off = atomic_load_explicit(&stacktab_offsets[id], memory_order_acquire);
  return off ? (stacktab_entry *)(stacktab_arena + off) : NULL;
}

/* The id of the stack in index x, or 0. */
static uint32_t stacktab_find(const stacktab_index *x, uint64_t hash, const uintptr_t *pcs, int depth) {
  for (uint32_t i = (uint32_t)hash & x->mask;; i = (i + 1) & x->mask) {
    uint32_t v = atomic_load_explicit(&x->slots[i], memory_order_acquire);
    if (v == 0) return 0;
    const stacktab_entry *e = stacktab_get(v - 1);
    if (e != NULL && e->hash == hash && e->depth == (uint32_t)depth &&
        memcmp(e->pcs, pcs, (size_t)depth * sizeof *pcs) == 0)
      return v - 1;
  }
}

static void stacktab_place(stacktab_index *x, uint64_t hash, uint32_t id) {
  uint32_t i = (uint32_t)hash & x->mask;
  while (atomic_load_explicit(&x->slots[i], memory_order_relaxed) != 0) i = (i + 1) & x->mask;
  atomic_store_explicit(&x->slots[i], id + 1, memory_order_release);
}

/* A stack the lock-free lookup missed: inserted under the lock. */
static uint32_t stacktab_insert(const uintptr_t *pcs, int depth, uint64_t hash) {
  stacktab_lock_all();
  stacktab_index *x = atomic_load(&stacktab_current);
  uint32_t id = stacktab_find(x, hash, pcs, depth);
  uint32_t count = atomic_load(&stacktab_count);
  size_t bytes = (sizeof(stacktab_entry) + (size_t)depth * sizeof(uintptr_t) + 15) & ~(size_t)15;
  if (id == 0 && count < STACKTAB_MAX_IDS && stacktab_arena_used + bytes + 64 <= STACKTAB_ARENA_BYTES) {
    if ((count + 1) * 2 > x->mask + 1) { /* double the index */
      stacktab_index *bigger = stacktab_new_index((x->mask + 1) * 2);
      if (bigger != NULL) {
        for (uint32_t i = 1; i < count; i++) stacktab_place(bigger, stacktab_get(i)->hash, i);
        atomic_store_explicit(&stacktab_current, bigger, memory_order_release);
        x = bigger;
      }
    }
    if ((count + 1) * 4 <= (x->mask + 1) * 3) {
      if (stacktab_arena_used == 0) stacktab_arena_used = 64; /* offset 0 means none */
      stacktab_entry *e = (stacktab_entry *)(stacktab_arena + stacktab_arena_used);
      e->hash = hash;
      e->depth = (uint32_t)depth;
      e->id = count;
      memcpy(e->pcs, pcs, (size_t)depth * sizeof *pcs);
      atomic_store_explicit(&stacktab_offsets[count], stacktab_arena_used, memory_order_release);
      stacktab_arena_used += bytes;
      atomic_store_explicit(&stacktab_count, count + 1, memory_order_release);
      stacktab_place(x, hash, count);
      id = count;
    }
  }
  stacktab_unlock_all();
  if (id == 0) failures_note(FAILURE_STACK);
  return id;
}

uint32_t stacktab_intern(const uintptr_t *pcs, int depth) {
  if (stacktab_arena == NULL || depth <= 0) return 0;
  uint64_t hash = stacktab_hash(pcs, depth);
  uint32_t id = stacktab_find(atomic_load_explicit(&stacktab_current, memory_order_acquire), hash, pcs, depth);
  if (AG_LIKELY(id != 0)) return id;
  return stacktab_insert(pcs, depth, hash);
}

uint32_t stacktab_intern_in_handler(const uintptr_t *pcs, int depth) {
  if (stacktab_arena == NULL || depth <= 0) return 0;
  uint64_t hash = stacktab_hash(pcs, depth);
  uint32_t id = stacktab_find(atomic_load_explicit(&stacktab_current, memory_order_acquire), hash, pcs, depth);
  if (id != 0 || stacktab_inserting) return id;
  return stacktab_insert(pcs, depth, hash);
}

uint32_t stacktab_limit(void) { return atomic_load_explicit(&stacktab_count, memory_order_acquire); }

/* The flag is up before the lock is taken and until it is released, so
 * that a handler never finds the lock this thread holds without it. */
void stacktab_lock_all(void) {
  stacktab_inserting = 1;
  atomic_signal_fence(memory_order_seq_cst);
  spin_acquire(&stacktab_lock);
}

void stacktab_unlock_all(void) {
  spin_release(&stacktab_lock);
  atomic_signal_fence(memory_order_seq_cst);
  stacktab_inserting = 0;
}
void stacktab_reset_lock(void) {
  spin_reset(&stacktab_lock);
  stacktab_inserting = 0; /* the forking thread took it in stacktab_lock_all */
}
