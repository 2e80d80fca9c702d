/* stress_fork.c: forks while other threads allocate, and fork storms.
 *   stress_fork threads N   4 threads malloc and free in a loop while main
 *                           forks N children one after another; each child
 *                           allocates, leaks 77 bytes and exits with k % 7
 *   stress_fork storm N     N children in waves of 10, each forking a
 *                           grandchild; every one allocates, leaks 33 bytes
 *                           and exits (children by exit, grandchildren by
 *                           returning through exit too)
 * main prints each child's exit status in order, and exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int stop;
static void *volatile sink;

static void *churn(void *arg)
{
  unsigned n = (unsigned)(long)arg;
  while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
    void *p = malloc(8 + n++ % 500);
    sink = p;
    free(p);
  }
  return NULL;
}

static void leak(size_t size)
{
  char *p = malloc(size);
  if (p != NULL)
    memset(p, 1, size);
  sink = p;
  sink = NULL;
}

static int wait_status(pid_t pid)
{
  int status;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int forks_from_threads(int n)
{
  pthread_t t[4];
  for (long i = 0; i < 4; i++)
    if (pthread_create(&t[i], NULL, churn, (void *)i) != 0)
      return 1;
  for (int k = 0; k < n; k++) {
    pid_t pid = fork();
    if (pid < 0)
      return 1;
    if (pid == 0) {
      for (int i = 0; i < 100; i++)
        free(malloc(64 + i));
      leak(77);
      exit(k % 7);
    }
    printf("child %d exited %d\n", k, wait_status(pid));
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  return 0;
}

static int storm(int n)
{
  for (int wave = 0; wave < n; wave += 10) {
    pid_t pids[10];
    int m = n - wave < 10 ? n - wave : 10;
    for (int i = 0; i < m; i++) {
      pids[i] = fork();
      if (pids[i] < 0)
        return 1;
      if (pids[i] == 0) {
        pid_t g = fork();
        leak(33);
        if (g == 0)
          exit(0);
        exit(g < 0 || wait_status(g) != 0 ? 1 : 0);
      }
    }
    for (int i = 0; i < m; i++)
      printf("child %d exited %d\n", wave + i, wait_status(pids[i]));
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: stress_fork threads|storm N\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);  /* nothing buffered is copied into the children */
  int n = atoi(argv[2]);
  if (strcmp(argv[1], "threads") == 0)
    return forks_from_threads(n);
  if (strcmp(argv[1], "storm") == 0)
    return storm(n);
  fprintf(stderr, "stress_fork: unknown mode %s\n", argv[1]);
  return 2;
}
