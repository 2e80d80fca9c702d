/* libstress_churn.c: a library for stress_dlopen that allocates in its
 * constructor and frees in its destructor, and leaks 32 bytes on each call
 * of stress_churn_leak (the pointer is dropped). */
#include <stdlib.h>
#include <string.h>

static char *state;
void *volatile stress_churn_sink;

__attribute__((constructor)) static void churn_init(void)
{
  state = malloc(100);
  if (state != NULL)
    strcpy(state, "loaded");
}

__attribute__((destructor)) static void churn_fini(void)
{
  free(state);
  state = NULL;
}

int stress_churn_leak(void)
{
  stress_churn_sink = malloc(32);
  stress_churn_sink = NULL;
  return state != NULL && strcmp(state, "loaded") == 0;
}
