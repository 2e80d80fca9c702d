/*
 * attach_leaker.c: a running program for `leakscope attach` (tests/attach/).
 *
 *   attach_leaker STATE ITERS [THREADS]
 *
 * THREADS threads (default 1) each run ITERS iterations, one a millisecond:
 * leak a 3000-byte block (at leak_a while the program has been attached at
 * most once, at leak_b from its second attach on), allocate and free a few
 * blocks of various sizes (churn), and free one of the blocks allocated at
 * startup (before_site: 400 blocks, allocated before any attach), so that
 * blocks from before the attach are freed while attached.
 *
 * It sees itself attached when its GOT entry for malloc no longer holds
 * libc's malloc, and counts the bytes it leaked while attached, per attach
 * session.  STATE is rewritten every 50 ms with "attached A sessions S
 * leaked_a BYTES leaked_b BYTES" (A: 1 when attached now), and once more
 * at the end.  stdout gets only what does not depend on the attach: a
 * checksum of the data written into every block, and "done"; exit status 5.
 * An interrupted sleep (EINTR, which the attach must never cause) is
 * printed too, so that the output then differs.  With ATTACH_LEAKER_KEYS=N
 * in the environment it first creates N pthread keys, so that a key made
 * later (the agent's) needs glibc to allocate a second-level array in each
 * thread that sets it, which glibc frees when the thread ends.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BEFORE_BLOCKS 400
#define LEAK_SIZE 3000

static const char *state_path;
static long iters;
static _Atomic unsigned long long leaked[3]; /* by session: 0 none, 1 the first, 2 later ones */
static _Atomic int sessions, attached_now, eintr;
static unsigned long long checksums[64];
static void *volatile before[BEFORE_BLOCKS];

/* malloc as this program's GOT has it now, against libc's own */
static int got_patched(void) {
  void *volatile mine = (void *)malloc;
  static void *libc_malloc;
  if (libc_malloc == NULL) libc_malloc = dlsym(RTLD_NEXT, "malloc");
  return mine != libc_malloc;
}

/* The attach state now (any thread may see the change first): the
 * session's number, 0 when not attached. */
static int attach_session(void) {
  int now = got_patched();
  int was = atomic_load(&attached_now);
  if (now != was && atomic_compare_exchange_strong(&attached_now, &was, now) && now) atomic_fetch_add(&sessions, 1);
  if (!now) return 0;
  while (atomic_load(&sessions) == 0) { /* the thread that saw it first is counting it */ }
  return atomic_load(&sessions) > 1 ? 2 : 1;
}

__attribute__((noinline)) static void *before_site(size_t n) { return malloc(n); }
__attribute__((noinline)) static void *leak_a(void) { return malloc(LEAK_SIZE); }
__attribute__((noinline)) static void *leak_b(void) { return malloc(LEAK_SIZE); }
__attribute__((noinline)) static void *churn_site(size_t n) { return malloc(n); }

static void write_state(void) {
  char text[160];
  int n = snprintf(text, sizeof text, "attached %d sessions %d leaked_a %llu leaked_b %llu\n", atomic_load(&attached_now),
                   atomic_load(&sessions), (unsigned long long)atomic_load(&leaked[1]),
                   (unsigned long long)atomic_load(&leaked[2]));
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", state_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (write(fd, text, (size_t)n) != n) { /* the reader waits for the next one */ }
  close(fd);
  rename(tmp, state_path);
}

static void *worker(void *arg) {
  long id = (long)arg;
  unsigned long long sum = 0;
  unsigned seed = (unsigned)id * 7919u + 1;
  for (long i = 0; i < iters; i++) {
    int session = attach_session();
    char *p = session == 2 ? leak_b() : leak_a();
    memset(p, (int)(i & 0xff), LEAK_SIZE);
    sum += (unsigned char)p[i % LEAK_SIZE];
    if (session) atomic_fetch_add(&leaked[session], LEAK_SIZE);
    for (int k = 0; k < 4; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t n = 16 + (seed >> 8) % 20000;
      char *q = churn_site(n);
      q[0] = (char)k;
      q[n - 1] = (char)i;
      sum += (unsigned char)q[n - 1];
      free(q);
    }
    if (id == 0 && i % 4 == 0 && i / 4 < BEFORE_BLOCKS) {
      free(before[i / 4]);
      before[i / 4] = NULL;
    }
    struct timespec ms = {0, 1000000};
    if (nanosleep(&ms, NULL) != 0 && errno == EINTR) atomic_store(&eintr, 1);
  }
  checksums[id] = sum;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: attach_leaker STATE ITERS [THREADS]\n");
    return 2;
  }
  state_path = argv[1];
  iters = atol(argv[2]);
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  if (threads < 1 || threads > 64) return 2;
  const char *keys = getenv("ATTACH_LEAKER_KEYS");
  for (int i = 0, n = keys ? atoi(keys) : 0; i < n; i++) {
    pthread_key_t k;
    pthread_key_create(&k, NULL);
  }
  for (int i = 0; i < BEFORE_BLOCKS; i++) before[i] = before_site(64 + (size_t)i * 37);
  write_state();
  pthread_t tids[64];
  for (long t = 1; t < threads; t++) pthread_create(&tids[t], NULL, worker, (void *)t);
  /* the main thread watches the GOT (and works, when alone) */
  pthread_t main_worker;
  pthread_create(&main_worker, NULL, worker, (void *)0);
  int done = 0;
  while (!done) {
    attach_session();
    write_state();
    struct timespec ms = {0, 50 * 1000000};
    if (nanosleep(&ms, NULL) != 0 && errno == EINTR) atomic_store(&eintr, 1);
    done = pthread_tryjoin_np(main_worker, NULL) == 0;
  }
  for (long t = 1; t < threads; t++) pthread_join(tids[t], NULL);
  attach_session();
  write_state();
  unsigned long long total = 0;
  for (int t = 0; t < threads; t++) total += checksums[t];
  if (atomic_load(&eintr)) printf("a sleep was interrupted (EINTR)\n");
  printf("checksum %llu\ndone\n", total);
  return 5;
}
