/* leak_tls.c: leak-check accuracy program: thread-local storage.  Blocks
 * held by __thread variables of the main thread and of a thread that is
 * still blocked at exit are reachable; the block held by the __thread
 * variable of a thread that has exited is lost with that thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slots {
  void *p[4];
};

static __thread char *t_buf;
static __thread struct slots t_slots;
static int g_ready[2];
static int g_never[2];

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void set_tls(size_t size)
{
  t_buf = malloc(size);
  memset(t_buf, 't', size - 1);
  t_buf[size - 1] = '\0';
}

static void *blocked_thread(void *arg)
{
  char c = 'r';
  set_tls(333);
  scrub_stack();
  if (write(g_ready[1], &c, 1) != 1)
    abort();
  for (;;)
    if (read(g_never[0], &c, 1) <= 0)
      pause();
  return arg;
}

static void *exiting_thread(void *arg)
{
  set_tls(444);
  scrub_stack();
  return arg;
}

static int run(void)
{
  pthread_t t;
  char c;
  set_tls(111);
  t_slots.p[2] = malloc(222);
  memset(t_slots.p[2], 's', 222);
  if (pthread_create(&t, NULL, exiting_thread, NULL) != 0 || pthread_join(t, NULL) != 0)
    return -1;
  if (pthread_create(&t, NULL, blocked_thread, NULL) != 0)
    return -1;
  if (pthread_detach(t) != 0 || read(g_ready[0], &c, 1) != 1)
    return -1;
  return c;
}

int main(void)
{
  if (pipe(g_ready) != 0 || pipe(g_never) != 0)
    return 2;
  int c = run();
  scrub_stack();
  printf("leak_tls: %c %zu\n", c, strlen(t_buf));
  return 0;
}
