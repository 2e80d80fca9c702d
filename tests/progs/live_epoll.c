/* live_epoll: a running program that sits in the interruptible waits a
 * live retention snapshot's stop must not cut short, and reports every
 * EINTR it sees: the main thread in epoll_wait with a timeout of five
 * minutes (on FIFO, which ends it: the test writes a byte), one thread in
 * epoll_wait without a timeout, one in epoll_pwait with five minutes, one
 * in epoll_pwait2 without a timeout, one in semtimedop with five minutes
 * (the others end on an eventfd, the semaphore on its release, once the
 * FIFO is readable).  It writes READYFILE when they all wait, then prints
 * one line: how many EINTRs and early timeouts each saw.
 *   live_epoll FIFO READYFILE */
#define _GNU_SOURCE /* semtimedop */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FIVE_MINUTES_MS (5 * 60 * 1000)

enum { WAIT_FOREVER, PWAIT_MINUTES, PWAIT2_FOREVER, SEMTIMEDOP_MINUTES, WAITERS };
static const char *const waiter_names[WAITERS] = {"epoll_wait(-1)", "epoll_pwait(5min)", "epoll_pwait2(NULL)",
                                                  "semtimedop(5min)"};
static int g_eventfd, g_sem;
static int g_eintr[WAITERS + 1], g_early[WAITERS + 1]; /* [WAITERS]: main's epoll_wait(5min) */
static int g_waiting;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void note(int *counter) {
  pthread_mutex_lock(&g_lock);
  (*counter)++;
  pthread_mutex_unlock(&g_lock);
}

static void *waiter(void *arg) {
  int which = (int)(intptr_t)arg;
  note(&g_waiting);
  if (which == SEMTIMEDOP_MINUTES) {
    struct sembuf op = {0, -1, 0};
    struct timespec five = {FIVE_MINUTES_MS / 1000, 0};
    for (;;) {
      if (semtimedop(g_sem, &op, 1, &five) == 0) return NULL;
      if (errno == EINTR) note(&g_eintr[which]);
      else if (errno == EAGAIN) note(&g_early[which]);
      else return NULL;
    }
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = g_eventfd}, out;
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, g_eventfd, &ev) != 0) return NULL;
  for (;;) {
    int n;
    if (which == WAIT_FOREVER) n = epoll_wait(ep, &out, 1, -1);
    else if (which == PWAIT_MINUTES) n = epoll_pwait(ep, &out, 1, FIVE_MINUTES_MS, NULL);
    else n = (int)syscall(SYS_epoll_pwait2, ep, &out, 1, NULL, NULL, (size_t)8);
    if (n > 0) break;
    if (n == 0) note(&g_early[which]);
    else if (errno == EINTR) note(&g_eintr[which]);
    else break;
  }
  close(ep);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: live_epoll FIFO READYFILE\n");
    return 2;
  }
  int fifo = open(argv[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  g_eventfd = eventfd(0, EFD_CLOEXEC);
  g_sem = semget(IPC_PRIVATE, 1, 0600);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fifo}, out;
  if (fifo < 0 || g_eventfd < 0 || g_sem < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fifo, &ev) != 0) {
    perror("live_epoll");
    return 2;
  }
  pthread_t threads[WAITERS];
  for (int i = 0; i < WAITERS; i++) pthread_create(&threads[i], NULL, waiter, (void *)(intptr_t)i);
  while (__atomic_load_n(&g_waiting, __ATOMIC_SEQ_CST) < WAITERS) usleep(1000);
  usleep(100 * 1000); /* into their waits */
  FILE *ready = fopen(argv[2], "w");
  if (ready == NULL || fclose(ready) != 0) return 2;
  for (;;) {
    int n = epoll_wait(ep, &out, 1, FIVE_MINUTES_MS);
    if (n > 0) break;
    if (n == 0) g_early[WAITERS]++;
    else if (errno == EINTR) g_eintr[WAITERS]++;
    else break;
  }
  uint64_t one = WAITERS;
  struct sembuf release = {0, 1, 0};
  if (write(g_eventfd, &one, sizeof one) != sizeof one || semop(g_sem, &release, 1) != 0) return 2;
  for (int i = 0; i < WAITERS; i++) pthread_join(threads[i], NULL);
  semctl(g_sem, 0, IPC_RMID);
  printf("epoll_wait(5min) %d EINTR %d early", g_eintr[WAITERS], g_early[WAITERS]);
  for (int i = 0; i < WAITERS; i++) printf(", %s %d EINTR %d early", waiter_names[i], g_eintr[i], g_early[i]);
  printf("\n");
  return 0;
}
