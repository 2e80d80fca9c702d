/* leak_strings.c: leak-check accuracy program: libc functions that
 * allocate for the caller.  Blocks from strdup, strndup, asprintf and
 * getline (reading an fmemopen stream, which is closed) are definitely
 * lost. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char text[] = "first line\nsecond, longer line of text\nthird\n";

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static size_t leak_getline(void)
{
  FILE *f = fmemopen((void *)text, sizeof text - 1, "r");
  if (!f)
    return 0;
  char *line = NULL;
  size_t cap = 0, total = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0)
    total += (size_t)n;
  fclose(f);
  return total;
}

static size_t run(void)
{
  size_t total = 0;
  total += strlen(strdup("a string duplicated by strdup"));
  total += strlen(strndup("only the first part of this is kept", 14));
  char *s = NULL;
  if (asprintf(&s, "asprintf %d %s", 42, "formatted") > 0)
    total += strlen(s);
  s = NULL;
  total += leak_getline();
  return total;
}

int main(void)
{
  size_t total = run();
  scrub_stack();
  printf("leak_strings: %zu characters\n", total);
  return 0;
}
