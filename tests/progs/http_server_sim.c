/*
 * http_server_sim.c: a stand-in for a long-running service, for the live
 * mode tests and the load benchmark: for SECONDS it "handles requests"
 * (allocates, fills and frees buffers of mixed sizes, replaces entries of a
 * bounded cache) and leaks a session record every 64 requests, so its
 * live heap keeps growing.  At the end it prints "iterations N per_second R
 * cpu_seconds C per_cpu_second P" (P: iterations per second of CPU time the
 * process used, agent included: unlike R it does not depend on how much CPU
 * other programs leave it) and exits with EXIT (or crashes with SIGSEGV
 * when EXIT is "crash").
 *
 *   http_server_sim [SECONDS [THREADS [EXIT]]]     defaults: 5 1 0
 *
 * With SIM_STOP_FILE=DIR/NAME in the environment it also ends as soon as
 * that file exists or DIR is gone (checked every 64 requests), so a test can
 * give it a long SECONDS that a loaded machine never runs out of, and end it
 * when done, or by removing its scratch directory when it fails.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SIM_CACHE 1024

static double sim_seconds = 5;
static volatile int sim_stop;

typedef struct session {
  struct session *next;
  char id[48];
} session;

static double sim_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static session *sim_open_session(session *list, uint64_t n) {
  session *s = malloc(sizeof *s);
  snprintf(s->id, sizeof s->id, "session-%llu", (unsigned long long)n);
  s->next = list;
  return s;
}

/* Request sizes 16..4095, scattered by Knuth's multiplicative hash (its
 * high bits: the low bits of n * 2654435761 mod 4080 are n mod 4080, a
 * ramp that made the cache's total swing between 0.3 and 1.8 MB, more
 * than the leak adds in a second on a busy machine).  The cache's 1024
 * replies then hold 1.05 MB give or take 10 KB, and the live heap grows
 * with the sessions only. */
static char *sim_handle_request(uint64_t n) {
  size_t size = 16 + (size_t)(((uint32_t)(n * 2654435761u) >> 12) % 4080);
  char *buf = malloc(size);
  memset(buf, (int)(n & 0xff), size);
  char *reply = malloc(size / 2 + 1);
  memcpy(reply, buf, size / 2);
  reply[size / 2] = 0;
  free(buf);
  return reply;
}

/* SIM_STOP_FILE exists, or its directory is gone. */
static int sim_stop_asked(const char *path) {
  if (access(path, F_OK) == 0) return 1;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash == NULL) return 0;
  *slash = 0;
  return access(dir[0] ? dir : "/", F_OK) != 0;
}

static void *sim_worker(void *arg) {
  uint64_t *count = arg;
  char *cache[SIM_CACHE] = {0};
  session *sessions = NULL; /* grows forever: the leak */
  uint64_t n = 0;
  double end = sim_now() + sim_seconds;
  const char *stop_file = getenv("SIM_STOP_FILE");
  while (!sim_stop) {
    for (int k = 0; k < 64; k++, n++) {
      char *reply = sim_handle_request(n);
      free(cache[n % SIM_CACHE]);
      cache[n % SIM_CACHE] = reply;
    }
    sessions = sim_open_session(sessions, n);
    if (sim_now() >= end || (stop_file != NULL && sim_stop_asked(stop_file))) break;
  }
  for (int i = 0; i < SIM_CACHE; i++) free(cache[i]);
  *count = n;
  return sessions; /* still reachable from the joiner, until exit */
}

int main(int argc, char **argv) {
  if (argc > 1) sim_seconds = atof(argv[1]);
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  const char *exit_spec = argc > 3 ? argv[3] : "0";
  pthread_t tid[64];
  uint64_t counts[64] = {0};
  double start = sim_now();
  for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, sim_worker, &counts[i]);
  uint64_t total = 0;
  for (int i = 0; i < threads; i++) {
    void *sessions;
    pthread_join(tid[i], &sessions);
    total += counts[i];
  }
  double elapsed = sim_now() - start;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("iterations %llu per_second %.0f cpu_seconds %.2f per_cpu_second %.0f\n", (unsigned long long)total,
         total / elapsed, cpu, total / cpu);
  fflush(stdout);
  if (strcmp(exit_spec, "crash") == 0) raise(SIGSEGV);
  return atoi(exit_spec);
}
