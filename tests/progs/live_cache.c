/* live_cache: a running program for the live retention tests.  A global
 * cache (g_cache, a list) holds ENTRIES bodies of BODY bytes, g_big one
 * block of 1 MiB (an mmapped chunk); a block is
 * held by main's stack alone; a second thread holds one in its TLS.  It
 * forks a child and waits for it at the end (its own wait must see it),
 * a third thread sleeps in nanosleep (it counts the sleeps cut short),
 * writes the address of one cached body to ADDRFILE, then runs until
 * STOPFILE exists (or 120 s) and prints what it did.
 *   live_cache ADDRFILE STOPFILE [ENTRIES [BODY]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct entry {
  struct entry *next;
  char *body;
  size_t len;
};

struct entry *g_cache;
char *g_big; /* one block glibc mmaps */
static __thread char *t_scratch;
static volatile int stop_worker;
static int sleeps_cut_short; /* nanosleeps that ended early (EINTR) */

/* Sleeps as a service's timer thread does: a stop must not cut it short. */
static void *sleeper(void *arg) {
  while (!stop_worker) {
    struct timespec ts = {0, 200 * 1000 * 1000}, left;
    if (nanosleep(&ts, &left) != 0) sleeps_cut_short++;
  }
  return NULL;
}

static void *worker(void *arg) {
  t_scratch = malloc(3000);
  memset(t_scratch, 1, 3000);
  while (!stop_worker) {
    char *tmp = malloc(100);
    tmp[0] = 1;
    free(tmp);
    usleep(1000);
  }
  free(t_scratch);
  return NULL;
}

static __attribute__((noinline)) char *parse_body(size_t len, int i) {
  char *body = malloc(len);
  memset(body, 'a' + i % 26, len);
  return body;
}

/* In a frame of its own, so that no word of main's frame points into the
 * cache: g_cache alone holds it. */
static __attribute__((noinline)) void fill_cache(int entries, size_t len) {
  for (int i = 0; i < entries; i++) {
    struct entry *e = malloc(sizeof *e);
    e->body = parse_body(len, i);
    e->len = len;
    e->next = g_cache;
    g_cache = e;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int entries = argc > 3 ? atoi(argv[3]) : 2000;
  size_t len = argc > 4 ? (size_t)atol(argv[4]) : 4096;
  pid_t kid = fork();
  if (kid == 0) {
    usleep(300 * 1000);
    _exit(7);
  }
  fill_cache(entries, len);
  g_big = malloc(1 << 20);
  memset(g_big, 3, 1 << 20);
  char *volatile local_only = malloc(50000);
  memset(local_only, 2, 50000);
  pthread_t t, s;
  pthread_create(&t, NULL, worker, NULL);
  pthread_create(&s, NULL, sleeper, NULL);
  FILE *f = fopen(argv[1], "w");
  if (f == NULL) return 3;
  fprintf(f, "%p\n", (void *)(g_cache->next->body + 10));
  fclose(f);
  int status = 0, waited = 0;
  for (int tick = 0; tick < 120 * 100 && access(argv[2], F_OK) != 0; tick++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (!waited && waitpid(kid, &status, WNOHANG) == kid) waited = 1;
  }
  if (!waited && waitpid(kid, &status, 0) == kid) waited = 1;
  stop_worker = 1;
  pthread_join(t, NULL);
  pthread_join(s, NULL);
  printf("entries %d body %zu child %s %d sleeps cut short %d\n", entries, len, waited ? "exited" : "lost",
         WIFEXITED(status) ? WEXITSTATUS(status) : -1, sleeps_cut_short);
  free(local_only);
  return 0;
}
