/*
 * agent_tables_test.c: unit test of the agent's tables: live.c (and the
 * linear probing of slots.h under it: 200,000 blocks inserted, removed in
 * random order, re-inserted, every lookup checked against the truth),
 * stacktab.c (the same stack gets the same id, different stacks different
 * ids, entries keep their frames) and sampler.c (record and remove, the
 * counting filter never misses a sampled block, the live estimate, the
 * lifetimes of freed samples, weights >= 1).
 */
#include <stdlib.h>
#include <string.h>

#include "harness/check.h"
#include "live.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"

#define N 200000

static uint64_t rng = 88172645463325252u;
static uint64_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static uint64_t visited, visited_bytes;
static void count_block(uintptr_t ptr, size_t size, uint32_t stack, void *arg) {
  visited++;
  visited_bytes += size;
}

static void test_live(void) {
  static uintptr_t ptrs[N];
  static size_t sizes[N];
  /* clustered addresses, as glibc hands them out, plus scattered ones */
  for (int i = 0; i < N; i++) {
    ptrs[i] = i % 3 ? 0x7f0000000000u + (uintptr_t)i * 48 : 0x550000000000u + (next_random() & 0xffffffff0u);
    sizes[i] = (size_t)(i % 1000) + 1;
  }
  /* drop accidental duplicates among the scattered ones */
  for (int i = 0; i < N; i++) live_insert(ptrs[i], sizes[i], (uint32_t)i % 1000);
  uint64_t unique = live_count();
  CHECK(unique > N - 100 && unique <= N, "count %llu", (unsigned long long)unique);
  size_t size;
  uint32_t stack;
  CHECK(live_remove(ptrs[1], &size, &stack) == 1 && size == sizes[1] && stack == 1);
  CHECK(live_remove(ptrs[1], &size, &stack) == 0, "a block is removed once");
  live_insert(ptrs[1], sizes[1], 1);
  /* remove every block in random order; each must be found until removed */
  static int order[N];
  for (int i = 0; i < N; i++) order[i] = i;
  for (int i = N - 1; i > 0; i--) {
    int j = (int)(next_random() % (uint64_t)(i + 1));
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  uint64_t removed = 0, missing = 0;
  for (int k = 0; k < N; k++) {
    int i = order[k];
    if (live_remove(ptrs[i], &size, NULL)) removed++;
    if (k == N / 2) {
      visited = 0;
      live_foreach(count_block, NULL, 0);
      CHECK(visited == live_count(), "foreach sees every block: %llu vs %llu", (unsigned long long)visited,
            (unsigned long long)live_count());
    }
  }
  for (int i = 0; i < N; i += 7)
    if (live_remove(ptrs[i], NULL, NULL)) missing++;
  CHECK(removed == unique, "removed %llu of %llu", (unsigned long long)removed, (unsigned long long)unique);
  CHECK(missing == 0 && live_count() == 0);
  /* reinsert: replacing an entry keeps one */
  live_insert(0x1000, 10, 3);
  live_insert(0x1000, 20, 4);
  CHECK(live_count() == 1);
  CHECK(live_remove(0x1000, &size, &stack) == 1 && size == 20 && stack == 4);
  live_insert(0x2000, LIVE_STACK_INTERNAL, LIVE_STACK_INTERNAL);
  CHECK(live_remove(0x2000, &size, &stack) == 1 && stack == LIVE_STACK_INTERNAL);
}

static void test_stacktab(void) {
  CHECK(stacktab_init() == 0);
  uintptr_t a[] = {0x401000, 0x401100, 0x401200}, b[] = {0x401000, 0x401100, 0x401201};
  uint32_t ia = stacktab_intern(a, 3), ib = stacktab_intern(b, 3), ia2 = stacktab_intern(a, 3);
  uint32_t ishort = stacktab_intern(a, 2);
  CHECK(ia != 0 && ib != 0 && ishort != 0);
  CHECK(ia == ia2 && ia != ib && ia != ishort && ib != ishort);
  CHECK(stacktab_intern(a, 0) == 0, "an empty stack has no id");
  const stacktab_entry *e = stacktab_get(ib);
  CHECK(e != NULL && e->depth == 3 && memcmp(e->pcs, b, sizeof b) == 0);
  CHECK(stacktab_get(0) == NULL && stacktab_get(stacktab_limit()) == NULL);
  /* many stacks: the index doubles several times and ids stay stable */
  uint32_t first = 0;
  for (uintptr_t i = 1; i <= 50000; i++) {
    uintptr_t pcs[2] = {0x500000 + i, 0x600000};
    uint32_t id = stacktab_intern(pcs, 2);
    if (i == 1) first = id;
    CHECK(id != 0);
  }
  uintptr_t pcs1[2] = {0x500001, 0x600000};
  CHECK(stacktab_intern(pcs1, 2) == first && stacktab_intern(a, 3) == ia);
}

static double lifetime_total;
static void add_lifetimes(uint32_t stack, const double *died, void *arg) {
  for (int b = 0; b < SAMPLER_LIFETIME_BUCKETS; b++) lifetime_total += died[b];
}

static void test_sampler(void) {
  options_parse("sample=4096");
  CHECK(sampler_weight(1) > 4000 && sampler_weight(1 << 20) >= 1.0 && sampler_weight(1 << 20) < 1.0001);
  uint64_t state = 1;
  double sum = 0;
  for (int i = 0; i < 100000; i++) sum += sampler_next_gap(&state);
  double mean = sum / 100000;
  CHECK(mean > 4096 * 0.97 && mean < 4096 * 1.03, "mean gap %.0f", mean);
  for (uintptr_t i = 1; i <= 5000; i++) sampler_record(i << 12, 100, 7, 2.0);
  CHECK(sampler_live_bytes() == 5000 * 200, "live %llu", (unsigned long long)sampler_live_bytes());
  int all_held = 1;
  for (uintptr_t i = 1; i <= 5000; i++) all_held &= sampler_may_hold(i << 12);
  CHECK(all_held, "the filter never misses a sampled block");
  CHECK(sampler_remove((uintptr_t)12345 << 12) == 0);
  int removed = 0;
  for (uintptr_t i = 1; i <= 5000; i += 2) removed += sampler_remove(i << 12);
  CHECK(removed == 2500 && sampler_live_bytes() == 2500 * 200);
  sampler_foreach_lifetime(add_lifetimes, NULL);
  CHECK(lifetime_total == 2500 * 2.0, "freed samples' weights %.1f", lifetime_total);
  for (uintptr_t i = 2; i <= 5000; i += 2) removed += sampler_remove(i << 12);
  CHECK(removed == 5000 && sampler_live_bytes() == 0);
}

int main(void) {
  options_parse(NULL);
  test_live();
  test_stacktab();
  test_sampler();
  return failures != 0;
}
