/* leak_dead_stack_o2.c: leak_dead_stack built -O2 (the Makefile says so):
 * main's last calls allocate and drop the pointers, which optimized code
 * keeps in registers only; their copies stay in the dead frames of the
 * allocator's calls below main's, which memcheck ignores (undefined), and
 * the blocks are definitely lost.  A block main still holds in a register
 * when it returns through exit is lost too: exit's frames overwrite it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void touch(char *p)
{
  __asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) static char *copy_of(const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = malloc(n + 30);
  memcpy(p, s, n);
  return p;
}

int main(int argc, char **argv)
{
  (void)argv;
  char *name = copy_of("a name that main drops");
  printf("%c\n", name[0]);
  char *buf = malloc(48);
  memset(buf, argc, 48);
  touch(buf);
  return 0;
}
