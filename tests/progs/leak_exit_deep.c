/* leak_exit_deep.c: an error path three calls deep drops its blocks and
 * calls exit(), as mawk does when a file cannot be opened.  The dropped
 * pointers stay in stack memory the exit path reserves but never writes;
 * memcheck ignores such words (they are undefined), so must leakscope.
 * (leak_dead_stack.c: the same when main returns.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail_deep(int depth, const char *what) {
  char *message = malloc(96);
  snprintf(message, 96, "cannot open %s", what);
  if (depth > 0) {
    fail_deep(depth - 1, what);
    return;
  }
  message = NULL;
  exit(0);
}

int main(int argc, char **argv) {
  char *copy = strdup("a copy that main drops");
  copy = NULL;
  fail_deep(3, "/nonexistent");
  return 0;
}
