/* leak_threads.c: leak-check accuracy program: threads.  Four worker
 * threads (joined) each lose three blocks and keep one in a global table;
 * a fifth thread loses one block, keeps another on its own stack and is
 * still blocked in read() when main returns. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *g_results[4];
static int g_ready[2];
static int g_never[2];

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void *filled(size_t size)
{
  void *p = malloc(size);
  memset(p, 'w', size);
  return p;
}

static void worker_leak(long id)
{
  for (int i = 0; i < 3; i++)
    filled(64 + (size_t)id);
  g_results[id] = filled(1000);
}

static void *worker(void *arg)
{
  worker_leak((long)arg);
  scrub_stack();
  return NULL;
}

static void *blocked(void *arg)
{
  char c = 'b';
  void *volatile kept;
  filled(700);
  kept = filled(600);
  scrub_stack();
  if (write(g_ready[1], &c, 1) != 1)
    abort();
  for (;;)
    if (read(g_never[0], &c, 1) <= 0)
      pause();
  return kept;
}

static int run(void)
{
  pthread_t t[4], b;
  char c;
  for (long i = 0; i < 4; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
      return -1;
  for (int i = 0; i < 4; i++)
    if (pthread_join(t[i], NULL) != 0)
      return -1;
  if (pthread_create(&b, NULL, blocked, NULL) != 0 || pthread_detach(b) != 0)
    return -1;
  if (read(g_ready[0], &c, 1) != 1)
    return -1;
  return c;
}

int main(void)
{
  if (pipe(g_ready) != 0 || pipe(g_never) != 0)
    return 2;
  int c = run();
  scrub_stack();
  printf("leak_threads: %c %d\n", c, g_results[3] != NULL);
  return 0;
}
