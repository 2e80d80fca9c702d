/*
 * agent_scanindex_test.c: unit test of agent/scanindex.c, the leak scan's
 * address index.  Sorted, non-overlapping blocks are laid out with gaps
 * of every scale: dense runs of small blocks, blocks that span several
 * 2 MiB regions, regions far apart, a block of size 0; for addresses in
 * and around each block and at random, the block the index narrows to
 * must be the one a plain binary search finds.  An index that would cost
 * more than its limit is refused.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/check.h"
#include "scanindex.h"

typedef struct {
  uintptr_t start;
  uint64_t size;
} test_block;

#define TEST_BLOCKS 200000

static test_block blocks[TEST_BLOCKS];
static uint64_t nblocks;
static uint64_t rng = 88172645463325252u;

static uint64_t test_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* The block holding a, by a plain binary search; -1 for none. */
static int64_t find_plain(uintptr_t a) {
  if (nblocks == 0 || a < blocks[0].start) return -1;
  uint64_t lo = 0, hi = nblocks;
  while (hi - lo > 1) {
    uint64_t mid = (lo + hi) / 2;
    if (blocks[mid].start <= a) lo = mid;
    else hi = mid;
  }
  uint64_t size = blocks[lo].size ? blocks[lo].size : 1;
  return a - blocks[lo].start < size ? (int64_t)lo : -1;
}

/* The same through the index, as scan.c does it. */
static int64_t find_indexed(const scanindex *ix, uintptr_t a) {
  uint64_t lo, hi;
  if (!scanindex_range(ix, a, &lo, &hi)) return -1;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (blocks[mid].start <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return -1;
  lo--;
  uint64_t size = blocks[lo].size ? blocks[lo].size : 1;
  return a - blocks[lo].start < size ? (int64_t)lo : -1;
}

static void layout(void) {
  uintptr_t a = (uintptr_t)0x55550000000u;
  nblocks = 0;
  while (nblocks < TEST_BLOCKS) {
    uint64_t r = test_rand() % 1000, size, gap;
    if (r < 900) size = 16 + 16 * (test_rand() % 16), gap = 16 * (test_rand() % 4);
    else if (r < 990) size = 4096 * (1 + test_rand() % 64), gap = 4096 * (test_rand() % 8);
    else if (r < 995) size = ((uint64_t)1 << 20) * (1 + test_rand() % 9), gap = 4096; /* spans regions */
    else if (r < 998) size = 0, gap = 16;
    else size = 64, gap = ((uint64_t)1 << 30) * (1 + test_rand() % 4); /* a region far away */
    a += gap;
    blocks[nblocks].start = a;
    blocks[nblocks].size = size;
    nblocks++;
    a += size ? size : 16;
  }
}

int main(void) {
  layout();
  scanindex ix;
  CHECK(scanindex_build(&ix, &blocks[0].start, &blocks[0].size, sizeof blocks[0], nblocks, (size_t)1 << 30) == 0);
  uint64_t wrong = 0, checked = 0;
  for (uint64_t i = 0; i < nblocks; i++) {
    uint64_t size = blocks[i].size ? blocks[i].size : 1;
    uintptr_t probes[] = {blocks[i].start, blocks[i].start + size - 1, blocks[i].start + size,
                          blocks[i].start - 1, blocks[i].start + test_rand() % size};
    for (unsigned p = 0; p < sizeof probes / sizeof probes[0]; p++, checked++)
      if (find_indexed(&ix, probes[p]) != find_plain(probes[p])) wrong++;
  }
  uintptr_t span = blocks[nblocks - 1].start + blocks[nblocks - 1].size - blocks[0].start;
  for (int k = 0; k < 1000000; k++, checked++) {
    uintptr_t a = blocks[0].start - 4096 + test_rand() % (span + 8192);
    if (find_indexed(&ix, a) != find_plain(a)) wrong++;
  }
  CHECK(wrong == 0, "%llu of %llu lookups differ from the binary search", (unsigned long long)wrong,
        (unsigned long long)checked);
  scanindex_free(&ix);
  CHECK(ix.keys == NULL);
  /* a limit below what the regions need: refused, empty */
  CHECK(scanindex_build(&ix, &blocks[0].start, &blocks[0].size, sizeof blocks[0], nblocks, 4096) == -1);
  CHECK(ix.keys == NULL && ix.pool == NULL);
  CHECK(scanindex_build(&ix, &blocks[0].start, &blocks[0].size, sizeof blocks[0], 0, (size_t)1 << 30) == -1);
  return failures != 0;
}
