/* leak_static.c: leak-check accuracy program: static local variables.
 * A lazily allocated static buffer and the last block of a static slot
 * that is replaced three times stay reachable; the two replaced blocks
 * are definitely lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static char *get_buffer(void)
{
  static char *buf;
  if (!buf) {
    buf = malloc(256);
    memset(buf, 0, 256);
  }
  return buf;
}

static const char *replace_slot(int generation)
{
  static char *cur;
  cur = malloc(64);
  snprintf(cur, 64, "generation %d", generation);
  return cur;
}

static size_t run(void)
{
  size_t total = 0;
  for (int i = 0; i < 3; i++) {
    strcat(get_buffer(), "x");
    total += strlen(replace_slot(i));
  }
  return total + strlen(get_buffer());
}

int main(void)
{
  size_t total = run();
  scrub_stack();
  printf("leak_static: %zu\n", total);
  return 0;
}
