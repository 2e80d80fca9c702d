/* lifetimes.c: allocation sites with known lifetimes, for sample mode's
 * lifetime histograms.  temp_buffer allocates 64 KiB and frees it at once,
 * 4,000 times (256 MiB churned: temporary allocations); session_new
 * allocates 64 sessions of 1 MiB that live 1.5 s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEMP_COUNT 4000
#define TEMP_SIZE (64u << 10)
#define SESSION_COUNT 64
#define SESSION_SIZE (1u << 20)

static volatile unsigned g_sink;

static __attribute__((noinline)) void temp_buffer(unsigned i)
{
  unsigned char *p = malloc(TEMP_SIZE);
  if (p == NULL)
    abort();
  p[0] = (unsigned char)i;
  p[TEMP_SIZE - 1] = (unsigned char)(i >> 8);
  g_sink += p[0] + p[TEMP_SIZE - 1];
  free(p);
}

static __attribute__((noinline)) void *session_new(unsigned i)
{
  unsigned char *p = malloc(SESSION_SIZE);
  if (p == NULL)
    abort();
  memset(p, (int)i, SESSION_SIZE);
  return p;
}

int main(void)
{
  void *sessions[SESSION_COUNT];
  for (unsigned i = 0; i < SESSION_COUNT; i++)
    sessions[i] = session_new(i);
  for (unsigned i = 0; i < TEMP_COUNT; i++)
    temp_buffer(i);
  struct timespec nap = {1, 500000000L};
  nanosleep(&nap, NULL);
  for (unsigned i = 0; i < SESSION_COUNT; i++)
    free(sessions[i]);
  printf("lifetimes: %u\n", g_sink);
  return 0;
}
