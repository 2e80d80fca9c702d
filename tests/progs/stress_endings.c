/* stress_endings.c: a program that leaks and then ends one way or another.
 *   stress_endings return|exit|_exit|abort|sigterm|sigsegv|thread-exit
 * Before it ends it leaks 200 bytes (definitely lost) and keeps 300
 * reachable, and prints "ending by MODE" (flushed).  Exit status: return 0,
 * exit 3, _exit 5, thread-exit 7 (exit called by a second thread while main
 * waits for it); the others die by SIGABRT, SIGTERM, SIGSEGV. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *kept;
static void *volatile sink;

static void *exit_from_thread(void *arg)
{
  exit(7);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: stress_endings MODE\n");
    return 2;
  }
  const char *mode = argv[1];
  kept = malloc(300);
  sink = malloc(200);
  sink = NULL;
  printf("ending by %s\n", mode);
  fflush(stdout);
  if (strcmp(mode, "return") == 0)
    return 0;
  if (strcmp(mode, "exit") == 0)
    exit(3);
  if (strcmp(mode, "_exit") == 0)
    _exit(5);
  if (strcmp(mode, "abort") == 0)
    abort();
  if (strcmp(mode, "sigterm") == 0)
    raise(SIGTERM);
  if (strcmp(mode, "sigsegv") == 0)
    *(volatile int *)sink = 1;
  if (strcmp(mode, "thread-exit") == 0) {
    pthread_t t;
    if (pthread_create(&t, NULL, exit_from_thread, NULL) != 0)
      return 1;
    pthread_join(t, NULL);
  }
  fprintf(stderr, "stress_endings: unknown mode %s\n", mode);
  return 2;
}
