/* libleak_ctor.c: a library whose constructor allocates before the
 * agent's own constructor runs (ld.so runs the constructors of a program's
 * libraries before those of preloaded ones): 2,000 bytes lost, 500 kept
 * in a global.  Linked into leak_ctor. */
#include <stdlib.h>
#include <string.h>

void *leak_ctor_kept;

__attribute__((constructor)) static void leak_ctor_init(void) {
  char *lost = malloc(2000);
  memset(lost, 1, 2000);
  lost = NULL;
  leak_ctor_kept = malloc(500);
}

int leak_ctor_ready(void) { return leak_ctor_kept != NULL; }
