/*
 * agent_tables_test.c: unit test of the agent's tables: blocks.c (full
 * mode's headers: placed, found by pointer and by the heap scan, gone when
 * freed; a size kept when the slack is large), lifetimes.c (per-thread
 * lifetimes summed by stack), stacktab.c (the same stack gets the same id, different stacks different
 * ids, entries keep their frames, a signal handler never waits on its own thread's insert) and sampler.c (record and remove, the
 * counting filter never misses a sampled block, the live estimate, the
 * lifetimes of freed samples, weights >= 1).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/check.h"
#include "blocks.h"
#include "lifetimes.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"

#define N 200000

static uint64_t visited, visited_bytes, visited_internal;
static uintptr_t visited_last;
static int visited_in_order = 1;
static void count_block(uintptr_t ptr, const blocks_info *b, void *arg) {
  visited++;
  visited_bytes += b->size;
  if (b->stack == BLOCKS_STACK_INTERNAL) visited_internal++;
  if (ptr <= visited_last) visited_in_order = 0;
  visited_last = ptr;
}

void *__libc_malloc(size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *p);

/* glibc's own memalign: AddressSanitizer (make sanitize) intercepts
 * __libc_memalign, and the blocks placed here must be glibc's chunks. */
static void *glibc_memalign(size_t align, size_t size) {
  static void *(*real)(size_t, size_t);
  if (real == NULL) {
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    real = libc ? (void *(*)(size_t, size_t))dlsym(libc, "__libc_memalign") : __libc_memalign;
  }
  return real(align, size);
}

/* blocks.h: a header placed in glibc blocks is found again by pointer and
 * by the heap scan (in address order), survives nothing but its own block,
 * and is never found in a block freed or never placed. */
static void test_blocks(void) {
  blocks_info b;
  CHECK(!blocks_get((void *)0x1000, &b), "no header before the secret is drawn");
  blocks_init();
  static void *ptrs[N / 10];
  uint64_t bytes = 0;
  for (int i = 0; i < N / 10; i++) {
    size_t size = (size_t)(i % 500) + 1;
    void *q = i % 7 == 0 ? glibc_memalign(64, size + 64) : __libc_malloc(size + 16);
    ptrs[i] = blocks_place(q, i % 7 == 0 ? 6 : 4, size, i % 100 == 0 ? BLOCKS_STACK_INTERNAL : (uint32_t)i,
                           (uint64_t)i + 1, 0);
    bytes += size;
  }
  CHECK(blocks_get(ptrs[3], &b) && b.size == 4 && b.stack == 3 && b.shift == 4 && b.born == 4);
  CHECK(blocks_get(ptrs[7], &b) && b.size == 8 && b.shift == 6 && ((uintptr_t)ptrs[7] & 63) == 0 &&
        (char *)b.glibc == (char *)ptrs[7] - 64);
  void *plain = __libc_malloc(64);
  CHECK(!blocks_get(plain, &b) && !blocks_get((char *)plain + 16, &b), "a block without a header");
  CHECK(blocks_foreach(count_block, NULL, 0) == 0);
  CHECK(visited == N / 10 && visited_bytes == bytes && visited_in_order,
        "the scan finds %llu of %d blocks", (unsigned long long)visited, N / 10);
  CHECK(visited_internal == N / 10 / 100);
  for (int i = 0; i < N / 10; i += 2) {
    CHECK(blocks_get(ptrs[i], &b));
    blocks_forget(ptrs[i]);
    __libc_free(b.glibc);
  }
  visited = visited_bytes = visited_last = 0;
  CHECK(blocks_foreach(count_block, NULL, 1) == 0);
  CHECK(visited == N / 10 / 2, "after freeing half: %llu", (unsigned long long)visited);
  for (int i = 1; i < N / 10; i += 2) {
    CHECK(blocks_get(ptrs[i], &b));
    blocks_forget(ptrs[i]);
    __libc_free(b.glibc);
  }
  __libc_free(plain);

  /* a block far smaller than its chunk: no room for the slack at 16 bytes
   * in; at 32 the exact size goes below the header */
  void *big = __libc_malloc(100000);
  CHECK(blocks_place(big, 4, 10, 5, 1, 0) == NULL, "a slack of 100 KB does not fit");
  void *p = blocks_place(big, 5, 10, 5, 1, 0);
  CHECK(p != NULL && blocks_get(p, &b) && b.size == 10 && b.stack == 5 && b.shift == 5);
  p = blocks_place(big, 4, 10, 5, 1, 1);
  CHECK(p != NULL && blocks_get(p, &b) && b.size >= 10 && b.size < 100000, "a slack cut to fit");
  blocks_forget(p);
  __libc_free(big);
}

/* lifetimes.c: exact decades, temporaries, the longest, median and 90th
 * percentile (within a bin) of each stack, summed over two threads. */
static void test_lifetimes(void) {
  ticks.ns_per_tick = 1.0; /* a tick is a ns */
  lifetimes_init();
  static ag_tstate one, two;
  one.next = &two;
  uintptr_t frames_a[2] = {0x7001, 0x7002}, frames_b[2] = {0x9001, 0x9002};
  uint32_t a = stacktab_intern(frames_a, 2), b = stacktab_intern(frames_b, 2);
  CHECK(a != 0 && b != 0 && a != b);
  for (int i = 0; i < 100; i++) lifetimes_note(i < 50 ? &one : &two, a, 999, i < 10); /* under 1 us */
  for (int i = 0; i < 100; i++) lifetimes_note(&two, a, 1000 + (uint64_t)i * 10, 0);   /* 1 us to 2 us */
  lifetimes_note(&one, a, 5000000000u, 0);                                             /* 5 s */
  lifetimes_note(&one, b, 123456, 1);
  char path[] = "/tmp/agent_tables_test.XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  static sys_writer w;
  sys_writer_open(&w, fd);
  lifetimes_write(&w, lifetimes_collect(&one));
  CHECK(sys_flush(&w) == 0);
  char text[512] = {0};
  CHECK(pread(fd, text, sizeof text - 1, 0) > 0);
  close(fd);
  unlink(path);
  char want[128], want_b[128];
  snprintf(want, sizeof want, "lifetime %u 100 100 0 0 0 0 0 1 0 0\nlifetime_stats %u 10 5000000000 ", a, a);
  snprintf(want_b, sizeof want_b, "lifetime %u 0 0 0 1 0 0 0 0 0 0\nlifetime_stats %u 1 123456 ", b, b);
  CHECK(strncmp(text, want, strlen(want)) == 0, "got:\n%s", text);
  unsigned long long p50 = 0, p90 = 0;
  CHECK(sscanf(text + strlen(want), "%llu %llu", &p50, &p90) == 2);
  CHECK(p50 >= 960 && p50 <= 1040, "median %llu, about 1 us", p50);
  CHECK(p90 >= 1700 && p90 <= 1900, "p90 %llu, about 1.8 us", p90);
  CHECK(strstr(text, want_b) != NULL, "got:\n%s", text);
}

/* A signal handler interns a stack while its thread holds the insert
 * lock (as when it interrupts that thread's insert): a known stack gets
 * its id, a new one 0 at once instead of waiting forever. */
static uintptr_t handler_known[3], handler_new[2] = {0x700000, 0x700001};
static volatile uint32_t handler_known_id, handler_new_id;
static void on_usr1(int sig) {
  (void)sig;
  handler_known_id = stacktab_intern_in_handler(handler_known, 3);
  handler_new_id = stacktab_intern_in_handler(handler_new, 2);
}

static void test_stacktab_in_handler(const uintptr_t *known, uint32_t known_id) {
  memcpy(handler_known, known, sizeof handler_known);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  stacktab_lock_all();
  raise(SIGUSR1);
  stacktab_unlock_all();
  CHECK(handler_known_id == known_id, "a known stack: %u, want %u", handler_known_id, known_id);
  CHECK(handler_new_id == 0, "a new stack while this thread inserts: %u, want 0", handler_new_id);
  raise(SIGUSR1); /* the lock is free now: the new stack goes in */
  CHECK(handler_new_id != 0 && stacktab_intern(handler_new, 2) == handler_new_id, "once the lock is free: %u", handler_new_id);
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
  test_stacktab_in_handler(a, ia);
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
  test_blocks();
  test_stacktab();
  test_lifetimes();
  test_sampler();
  return failures != 0;
}
