/* leak_ctor.c: a program linked with libleak_ctor.so, whose constructor
 * leaks before the agent's constructor runs; memcheck sees those blocks,
 * and the agent must too (it starts at the first call into it). */
#include <stdio.h>
#include <stdlib.h>

int leak_ctor_ready(void);

int main(void) {
  void *lost = malloc(10);
  lost = NULL;
  printf("ready %d\n", leak_ctor_ready());
  return 0;
}
