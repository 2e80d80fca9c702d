/* leak_exit_copies.c: a block whose pointer a finished call left in
 * 3 KiB of its dead frame, just below main's, is definitely lost when
 * main then drops the pointer and calls exit(): the exit path's frames reuse
 * that stack without writing all of it, and memcheck ignores the words
 * they did not write (undefined).  (leak_dead_stack_copies.c: the same when
 * main returns.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPIES 384

__attribute__((noinline)) static void spray(void *p)
{
  void *volatile copies[COPIES];
  for (int i = 0; i < COPIES; i++)
    copies[i] = p;
}

int main(void)
{
  void *p = malloc(55);
  memset(p, 1, 55);
  spray(p);
  p = NULL;
  printf("done\n");
  exit(0);
}
