/* leak_signal_term.c: a program killed by SIGTERM.  memcheck reports its
 * leaks (without running __libc_freeres) and the process dies of the
 * signal, status 143; so must it under leakscope. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *g_kept;

int main(void) {
  void *lost = malloc(100);
  lost = NULL;
  g_kept = strdup("kept");
  getpwnam("root"); /* name-service state that only __libc_freeres releases */
  printf("%s\n", g_kept);
  fflush(stdout);
  raise(SIGTERM);
  return 0;
}
