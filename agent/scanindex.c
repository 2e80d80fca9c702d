/*
 * scanindex.c: the leak scan's index from an address to the blocks that
 * may hold it (see scanindex.h).  Built in two passes over the sorted
 * blocks: the first counts the 2 MiB regions they touch (a block counts in
 * every region it spans), the second fills each region's table of first
 * blocks with one cursor that only moves forward.
 */
#include "scanindex.h"

#include <string.h>

#include "sys.h"

#define SCANINDEX_TABLE_BYTES ((SCANINDEX_STEPS + 1) * sizeof(uint32_t))

static inline uintptr_t scanindex_start(const void *starts, size_t stride, uint64_t i) {
  uintptr_t v;
  memcpy(&v, (const char *)starts + i * stride, sizeof v);
  return v;
}

static inline uintptr_t scanindex_last_byte(const void *starts, const void *sizes, size_t stride, uint64_t i) {
  uint64_t size;
  memcpy(&size, (const char *)sizes + i * stride, sizeof size);
  return scanindex_start(starts, stride, i) + (size ? size : 1) - 1;
}

void scanindex_free(scanindex *ix) {
  if (ix->keys) sys_unmap(ix->keys, ix->keys_bytes);
  if (ix->steps) sys_unmap(ix->steps, ix->steps_bytes);
  if (ix->pool) sys_unmap(ix->pool, ix->pool_bytes);
  memset(ix, 0, sizeof *ix);
}

int scanindex_build(scanindex *ix, const void *starts, const void *sizes, size_t stride, uint64_t n,
                    size_t max_bytes) {
  memset(ix, 0, sizeof *ix);
  if (n == 0 || n >= UINT32_MAX) return -1;
  uint64_t regions = 0, last = 0; /* last region counted + 1 */
  for (uint64_t i = 0; i < n; i++) {
    uint64_t r0 = scanindex_start(starts, stride, i) >> SCANINDEX_REGION_SHIFT;
    uint64_t r1 = scanindex_last_byte(starts, sizes, stride, i) >> SCANINDEX_REGION_SHIFT;
    if (r1 + 1 <= last) continue;
    regions += r1 + 1 - (r0 >= last ? r0 : last);
    last = r1 + 1;
  }
  uint64_t slots = 16;
  while (slots < 2 * regions) slots *= 2;
  ix->keys_bytes = slots * sizeof *ix->keys;
  ix->steps_bytes = slots * sizeof *ix->steps;
  ix->pool_bytes = regions * SCANINDEX_TABLE_BYTES;
  if (ix->keys_bytes + ix->steps_bytes + ix->pool_bytes > max_bytes) {
    memset(ix, 0, sizeof *ix);
    return -1;
  }
  ix->mask = slots - 1;
  ix->keys = sys_map(ix->keys_bytes);
  ix->steps = sys_map(ix->steps_bytes);
  ix->pool = sys_map(ix->pool_bytes);
  if (ix->keys == NULL || ix->steps == NULL || ix->pool == NULL) {
    scanindex_free(ix);
    return -1;
  }
  uint64_t cursor = 0, used = 0;
  last = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t r0 = scanindex_start(starts, stride, i) >> SCANINDEX_REGION_SHIFT;
    uint64_t r1 = scanindex_last_byte(starts, sizes, stride, i) >> SCANINDEX_REGION_SHIFT;
    for (uint64_t r = r0 >= last ? r0 : last; r <= r1; r++) {
      uint32_t *table = ix->pool + used++ * (SCANINDEX_STEPS + 1);
      for (uint64_t k = 0; k <= SCANINDEX_STEPS; k++) {
        uintptr_t a = (r << SCANINDEX_REGION_SHIFT) + (k << SCANINDEX_STEP_SHIFT);
        while (cursor < n && scanindex_start(starts, stride, cursor) < a) cursor++;
        table[k] = (uint32_t)cursor;
      }
      uint64_t slot = scanindex_slot(r + 1) & ix->mask;
      while (ix->keys[slot] != 0) slot = (slot + 1) & ix->mask;
      ix->keys[slot] = r + 1;
      ix->steps[slot] = table;
    }
    if (r1 + 1 > last) last = r1 + 1;
  }
  return 0;
}
