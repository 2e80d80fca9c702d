/* stress_signal.c: a timer signal interrupts a loop of malloc and free;
 * its handler allocates, reallocates (glibc keeps the block in place; a
 * block that moves takes the second one cached) and frees too, and leaks
 * one 400-byte block on its 10th run.  Its sizes are ones the loop never
 * uses, whose blocks glibc keeps in the thread's cache: the handler takes
 * no lock the interrupted malloc may hold and no block of the cache's list
 * it may be updating (a 48-byte leak once crashed the loop's malloc(48)
 * now and then).  Prints "handled" once the handler ran at least 10 times. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define HANDLER_SIZE 1000
#define HANDLER_LEAK 400 /* the loop's sizes are 16 to 315 bytes */
static volatile sig_atomic_t handled;
static void *volatile sink;

static void on_alarm(int sig)
{
  char *p = malloc(HANDLER_SIZE);
  if (p != NULL) {
    p[0] = (char)sig;
    char *q = realloc(p, HANDLER_SIZE);
    free(q != NULL ? q : p);
  }
  if (++handled == 10) {
    sink = malloc(HANDLER_LEAK);
    sink = NULL;
  }
}

int main(void)
{
  free(malloc(HANDLER_LEAK));
  void *first = malloc(HANDLER_SIZE), *second = malloc(HANDLER_SIZE);
  free(first);
  free(second); /* the handler's blocks (two of its size) are in the cache before the first signal */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval every = {{0, 500}, {0, 500}};
  setitimer(ITIMER_REAL, &every, NULL);
  for (long i = 0; handled < 200 && i < 400000000L; i++) {
    void *p = malloc(16 + i % 300);
    sink = p;
    free(p);
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  puts(handled >= 10 ? "handled" : "the timer did not fire");
  return 0;
}
