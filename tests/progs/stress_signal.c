/* stress_signal.c: a timer signal interrupts a loop of malloc and free;
 * its handler allocates and frees too (a size the loop never uses, whose
 * block glibc then keeps in the thread's cache: no lock the interrupted
 * malloc may hold), and leaks one 48-byte block on its 10th run.  Prints
 * "handled" once the handler ran at least 10 times. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define HANDLER_SIZE 1000
static volatile sig_atomic_t handled;
static void *volatile sink;

static void on_alarm(int sig)
{
  char *p = malloc(HANDLER_SIZE);
  if (p != NULL) {
    p[0] = (char)sig;
    free(p);
  }
  if (++handled == 10) {
    sink = malloc(48);
    sink = NULL;
  }
}

int main(void)
{
  free(malloc(HANDLER_SIZE));  /* the handler's block is in the cache before the first signal */
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
