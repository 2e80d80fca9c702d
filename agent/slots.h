/*
 * slots.h: linear probing over a power-of-two array of fixed-size entries
 * whose first word is a non-zero key (0 marks an empty slot), with
 * backward-shift deletion, so that tables with heavy churn need no
 * tombstones.  The agent's tables that delete (live.c, sampler.c) and
 * those that only grow share it.  All inline: with a constant entry size
 * and hash the compiler generates the same code as a table written out.
 * The caller holds whatever lock guards the table.
 */
#ifndef LEAKSCOPE_AGENT_SLOTS_H
#define LEAKSCOPE_AGENT_SLOTS_H

#include <stdint.h>
#include <string.h>

typedef uint64_t (*slots_hash_fn)(uintptr_t key);

static inline uintptr_t slots_key(const void *slots, size_t esize, uint64_t i) {
  return *(const uintptr_t *)((const char *)slots + i * esize);
}

static inline void *slots_at(void *slots, size_t esize, uint64_t i) { return (char *)slots + i * esize; }

/* The slot holding key, or the empty slot where it would go. */
static inline uint64_t slots_find(const void *slots, size_t esize, uint64_t mask, uintptr_t key,
                                  slots_hash_fn hash) {
  uint64_t i = hash(key) & mask;
  for (uintptr_t k; (k = slots_key(slots, esize, i)) != 0 && k != key;) i = (i + 1) & mask;
  return i;
}

/* Empties slot hole, moving back the entries after it that would
 * otherwise no longer be found from their home slot. */
static inline void slots_delete(void *slots, size_t esize, uint64_t mask, uint64_t hole,
                                slots_hash_fn hash) {
  for (uint64_t k = (hole + 1) & mask;; k = (k + 1) & mask) {
    uintptr_t key = slots_key(slots, esize, k);
    if (key == 0) break;
    uint64_t home = hash(key) & mask;
    /* k stays unless its home lies cyclically in (hole, k] */
    int stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
    if (!stays) {
      memcpy(slots_at(slots, esize, hole), slots_at(slots, esize, k), esize);
      hole = k;
    }
  }
  memset(slots_at(slots, esize, hole), 0, esize);
}

/* Moves every entry of from (from_mask + 1 slots) into the empty table to. */
static inline void slots_rehash(void *to, uint64_t to_mask, const void *from, uint64_t from_mask,
                                size_t esize, slots_hash_fn hash) {
  for (uint64_t i = 0; from != NULL && i <= from_mask; i++) {
    uintptr_t key = slots_key(from, esize, i);
    if (key == 0) continue;
    uint64_t j = slots_find(to, esize, to_mask, key, hash);
    memcpy(slots_at(to, esize, j), slots_at((void *)from, esize, i), esize);
  }
}

#endif
