/* leak_blocked_thread.c: a live thread that blocks every signal (as xz's
 * and node's worker threads do) holds a block on its stack, and has its
 * DTV, which memcheck reports as possibly lost.  The leak scan must stop
 * it anyway (it cannot take the stop signal) to read its registers and
 * count its DTV as memcheck does; one block is lost for good measure. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *worker(void *arg) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  void *volatile held = malloc(123); /* only on this thread's stack */
  pthread_mutex_lock(&ready_lock);
  ready = 1;
  pthread_cond_signal(&ready_cond);
  pthread_mutex_unlock(&ready_lock);
  for (;;) pause();
  return (void *)held;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&ready_lock);
  while (!ready) pthread_cond_wait(&ready_cond, &ready_lock);
  pthread_mutex_unlock(&ready_lock);
  void *lost = malloc(40);
  lost = NULL;
  printf("worker ready\n");
  return 0;
}
