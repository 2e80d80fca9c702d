/* run_leak_once.c: one definitely lost block of 64 bytes from leak_here(),
 * one of 32 bytes from other_place(); exits 0.  The stack is scrubbed
 * before exit: a stale copy of a pointer in a stack slot that the exit path
 * reserves but never writes would keep the block reachable (memcheck
 * ignores such never-written words; a native scan cannot tell them apart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((noinline)) void leak_here(void) {
  sink = memset(malloc(64), 0, 64);
  sink = NULL;
}

__attribute__((noinline)) void other_place(void) {
  sink = memset(malloc(32), 0, 32);
  sink = NULL;
}

__attribute__((noinline)) static void scrub_stack(void) {
  volatile char pad[65536];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

int main(void) {
  leak_here();
  other_place();
  scrub_stack();
  printf("ok\n");
  return 0;
}
