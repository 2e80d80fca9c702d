/* leak_dead_stack.c: blocks whose last pointer is dropped just before the
 * program ends.  The pointers stay in stack memory that the exit path
 * reserves but never writes: memcheck ignores such words (they are
 * undefined), so must leakscope.  main drops a strdup and a malloc as its
 * last calls (built -O0, the copies sit in dead frames below main's) and
 * returns.  (leak_exit_deep.c: the same through exit() from deep down.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char *copy = strdup("a copy that main drops");
  copy = malloc(64);
  (void)copy;
  return 0;
}
