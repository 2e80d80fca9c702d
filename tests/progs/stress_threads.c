/* stress_threads.c: 32 threads that pass every block they allocate to the
 * next thread, which frees it (cross-thread frees), while each keeps one
 * block for good and leaks one: main then prints how many blocks were
 * passed and freed.  Leaks: THREADS blocks of 40 + i bytes definitely lost
 * (their pointers are cleared), THREADS blocks of 24 still reachable. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 32
#define ROUNDS 3000

static void *mailbox[THREADS];  /* one block in flight to each thread */
static void *kept[THREADS];     /* reachable at exit */
static void *dropped[THREADS];  /* cleared by main: definitely lost */
static long freed[THREADS];

static void free_mail(int self)
{
  void *got = __atomic_exchange_n(&mailbox[self], NULL, __ATOMIC_ACQ_REL);
  if (got != NULL) {
    free(got);
    freed[self]++;
  }
}

static void *worker(void *arg)
{
  int self = (int)(long)arg, next = (self + 1) % THREADS;
  kept[self] = malloc(24);
  dropped[self] = malloc(40 + self);
  for (int r = 0; r < ROUNDS; r++) {
    char *b = malloc(16 + (r * 7 + self) % 200);
    if (b == NULL)
      return NULL;
    b[0] = (char)r;
    void *old;
    /* hand it over; whatever the next thread has not taken yet is freed here */
    old = __atomic_exchange_n(&mailbox[next], b, __ATOMIC_ACQ_REL);
    if (old != NULL) {
      free(old);
      freed[self]++;
    }
    free_mail(self);
  }
  return NULL;
}

int main(void)
{
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
      perror("pthread_create");
      return 1;
    }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  long total = 0;
  for (int i = 0; i < THREADS; i++) {
    free_mail(i);
    total += freed[i];
    dropped[i] = NULL;
  }
  printf("%d threads passed %d blocks and freed %ld\n", THREADS, THREADS * ROUNDS, total);
  return total == THREADS * ROUNDS ? 0 : 1;
}
