/*
 * unwind_stacks.c: allocates from many kinds of stacks so that the agent's
 * unwind_check mode can compare its own unwinder with libunwind on each:
 * deep recursion, alloca and variable-length arrays (RBP-based frames),
 * calls back from libc (qsort and bsearch comparators, strdup), function
 * pointers and varargs, threads (long-lived, and short-lived ones with
 * stacks of different sizes), a signal handler on the thread's stack
 * and one on an alternate stack, and a makecontext coroutine on a stack of
 * its own.  The test script builds it at several optimization levels.
 * Usage: unwind_stacks [rounds]  (prints "done N").
 */
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void keep(void *p) {
  sink += (unsigned long)p & 0xff;
  free(p);
}

__attribute__((noinline)) static int recurse(int depth, int every) {
  int r = depth;
  if (depth % every == 0) keep(malloc(16 + (size_t)depth));
  if (depth > 0) r += recurse(depth - 1, every);
  if (depth % (every + 1) == 0) keep(calloc(2, 8));
  return r;
}

__attribute__((noinline)) static void with_alloca(int n) {
  char *buf = alloca((size_t)n * 16 + 1);
  memset(buf, 1, (size_t)n * 16 + 1);
  sink += (unsigned long)buf[n];
  keep(malloc((size_t)n));
  if (n > 1) with_alloca(n - 1);
}

__attribute__((noinline)) static void with_vla(int n) {
  char vla[n * 8 + 1];
  memset(vla, 2, sizeof vla);
  sink += (unsigned long)vla[n];
  char *s = strdup("vla frame");
  keep(s);
  if (n > 1) with_vla(n - 1);
}

static int compare_allocating(const void *a, const void *b) {
  keep(malloc(24));
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

__attribute__((noinline)) static void through_libc(void) {
  int v[64];
  for (int i = 0; i < 64; i++) v[i] = (i * 37) % 64;
  qsort(v, 64, sizeof v[0], compare_allocating);
  int key = 17;
  int *hit = bsearch(&key, v, 64, sizeof v[0], compare_allocating);
  sink += hit != NULL;
  keep(strdup("through libc"));
  char *line = NULL;
  size_t cap = 0;
  FILE *f = fmemopen("one line\n", 9, "r");
  if (f != NULL) {
    if (getline(&line, &cap, f) > 0) sink += (unsigned long)line[0];
    fclose(f);
  }
  free(line);
}

__attribute__((noinline)) static void varargs(int n, ...) {
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) keep(malloc((size_t)va_arg(ap, int)));
  va_end(ap);
}

static void (*const table[])(int) = {with_alloca, with_vla};

static void on_signal(int sig) {
  keep(malloc(40));
  sink += (unsigned long)sig;
}

__attribute__((noinline)) static void signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  static char altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
}

static ucontext_t main_ctx, co_ctx;

static void coroutine(void) {
  recurse(6, 2);
  swapcontext(&co_ctx, &main_ctx);
}

__attribute__((noinline)) static void coroutines(void) {
  static char stack[1 << 16];
  getcontext(&co_ctx);
  co_ctx.uc_stack.ss_sp = stack;
  co_ctx.uc_stack.ss_size = sizeof stack;
  co_ctx.uc_link = &main_ctx;
  makecontext(&co_ctx, coroutine, 0);
  swapcontext(&main_ctx, &co_ctx);
}

static void round_of_stacks(int i) {
  recurse(40 + i % 7, 3);
  table[i & 1](4 + i % 3);
  through_libc();
  varargs(3, 8, 16, 32);
}

static void *thread_main(void *arg) {
  int rounds = *(int *)arg;
  for (int i = 0; i < rounds; i++) round_of_stacks(i);
  return NULL;
}

static void *short_thread(void *arg) {
  recurse(10 + (int)(long)arg % 5, 2);
  return NULL;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, thread_main, &rounds);
  for (int i = 0; i < rounds; i++) round_of_stacks(i);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  for (long i = 0; i < 4 * rounds; i++) { /* threads come and go: per-thread state is reused */
    pthread_t s;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)(64 + 64 * (i % 3)) * 1024);
    pthread_create(&s, &attr, short_thread, (void *)i);
    pthread_join(s, NULL);
    pthread_attr_destroy(&attr);
  }
  recurse(300, 50);
  signals();
  coroutines();
  printf("done %d\n", rounds);
  return 0;
}
