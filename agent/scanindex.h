/*
 * scanindex.h: where the leak scan finds the block that holds an address
 * (scanindex.c).  The scan's blocks are sorted by address; a plain binary
 * search over millions of them misses the cache at nearly every step.
 * The index cuts the address space into 2 MiB regions, keeps a small hash
 * of the regions that hold blocks, and for each region the first block at
 * or after every 512-byte step of it, so a lookup is a hash probe, one
 * table entry and a binary search over the few blocks of one step.
 * Memory: 16 KiB per region that holds blocks, from sys_map.
 */
#ifndef LEAKSCOPE_AGENT_SCANINDEX_H
#define LEAKSCOPE_AGENT_SCANINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#define SCANINDEX_REGION_SHIFT 21
#define SCANINDEX_STEP_SHIFT 9
#define SCANINDEX_STEPS ((uint64_t)1 << (SCANINDEX_REGION_SHIFT - SCANINDEX_STEP_SHIFT))

typedef struct {
  uint64_t *keys;     /* region number + 1, 0 for an empty slot */
  uint32_t **steps;   /* the region's SCANINDEX_STEPS + 1 first-block indexes */
  uint64_t mask;      /* slots - 1 */
  uint32_t *pool;     /* every region's steps */
  size_t keys_bytes, steps_bytes, pool_bytes;
} scanindex;

/* Index n blocks sorted by start and not overlapping: block i starts at the
 * uintptr_t at starts + i * stride and has the uint64_t size at sizes + i *
 * stride (a size of 0 counts as 1).  0, or -1 when the index would cost
 * more than max_bytes or memory ran out: then *ix is empty and the caller
 * searches without it. */
AG_HIDDEN int scanindex_build(scanindex *ix, const void *starts, const void *sizes, size_t stride, uint64_t n,
                              size_t max_bytes);
AG_HIDDEN void scanindex_free(scanindex *ix);

static inline uint64_t scanindex_slot(uint64_t key) { return (key * 0x9e3779b97f4a7c15u) >> 32; }

/* For an index that was built: the blocks that may hold address a are those
 * in [*lo - 1, *hi) (the last of them whose start is <= a); 0 when no block
 * can hold it. */
static inline int scanindex_range(const scanindex *ix, uintptr_t a, uint64_t *lo, uint64_t *hi) {
  uint64_t key = (a >> SCANINDEX_REGION_SHIFT) + 1;
  for (uint64_t slot = scanindex_slot(key) & ix->mask;; slot = (slot + 1) & ix->mask) {
    if (ix->keys[slot] == key) {
      const uint32_t *steps = ix->steps[slot];
      uint64_t k = (a >> SCANINDEX_STEP_SHIFT) & (SCANINDEX_STEPS - 1);
      *lo = steps[k];
      *hi = steps[k + 1];
      return 1;
    }
    if (ix->keys[slot] == 0) return 0;
  }
}

#endif
