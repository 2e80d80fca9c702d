/* run_leak_once.c: one definitely lost block of 64 bytes from leak_here(),
 * one of 32 bytes from other_place(); exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void *leak_here(void) { return memset(malloc(64), 0, 64); }
__attribute__((noinline)) void *other_place(void) { return memset(malloc(32), 0, 32); }

int main(void) {
  void *a = leak_here(), *b = other_place();
  a = b = NULL;
  printf("ok %p %p\n", a, b);
  return 0;
}
