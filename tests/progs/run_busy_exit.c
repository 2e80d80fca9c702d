/* run_busy_exit.c: four threads allocate and free without pause while the
 * program exits, from main (no argument) or from a fifth thread (argument
 * "thread", exit status 4).  Before exiting it loses one 77-byte block. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;

static void *spin(void *arg) {
  void *keep[64] = {0};
  for (unsigned i = 0;; i++) {
    free(keep[i % 64]);
    keep[i % 64] = malloc(16 + (i % 200));
  }
  return arg;
}

__attribute__((noinline)) static void lose(void) {
  sink = memset(malloc(77), 0, 77);
  sink = NULL;
}

/* A stale copy of the pointer in a stack slot the exit path reserves but
 * never writes would keep the block reachable; memcheck ignores such
 * never-written words, a native scan cannot tell them apart. */
__attribute__((noinline)) static void scrub_stack(void) {
  volatile char pad[32768];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

static void *quit(void *arg) {
  usleep(100000);
  lose();
  scrub_stack();
  exit(4);
  return arg;
}

int main(int argc, char **argv) {
  pthread_t t;
  for (int i = 0; i < 4; i++) pthread_create(&t, NULL, spin, NULL);
  if (argc > 1 && strcmp(argv[1], "thread") == 0) {
    pthread_create(&t, NULL, quit, NULL);
    for (;;) pause();
  }
  usleep(100000);
  lose();
  scrub_stack();
  printf("bye\n");
  return 0;
}
