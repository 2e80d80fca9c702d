/* attach_work: the workload of bench/attach_cost.sh, timed from the inside so that the cost
 * of an attached agent is measured without the attach itself.
 *
 *   attach_work GO [SCALE]
 *
 * Creates GO.ready, waits until the file GO exists, then two threads each churn a working set
 * of 8192 live blocks with SCALE x 1M malloc/free pairs of mixed small sizes (mostly 16..256
 * bytes, some up to 4 KiB; one in 16 a realloc, one in 32 a calloc), 8 frames deep.  Prints
 * "work_s SECONDS cpu_s SECONDS checksum N": the work's wall time, the process's CPU time
 * (user + system, all threads: an agent's control thread too), and a checksum that is the
 * same on every run.  SCALE defaults to 2
 * (about 0.4 s here).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 8192

static long ops;

typedef struct {
  uint64_t rng, checksum;
  void *slot[SLOTS];
} work_state;

static uint64_t work_rand(work_state *st) {
  st->rng ^= st->rng << 13;
  st->rng ^= st->rng >> 7;
  st->rng ^= st->rng << 17;
  return st->rng;
}

static size_t work_size(uint64_t r) {
  unsigned pick = (unsigned)(r & 15);
  if (pick < 10) return 16 + (size_t)((r >> 8) % 112);
  if (pick < 15) return 128 + (size_t)((r >> 8) % 384);
  return 512 + (size_t)((r >> 8) % 3584);
}

__attribute__((noinline)) static void work_step(work_state *st, int depth) {
  if (depth > 0) {
    work_step(st, depth - 1);
    return;
  }
  for (int k = 0; k < 64; k++) {
    uint64_t r = work_rand(st);
    unsigned i = (unsigned)(r >> 40) % SLOTS;
    size_t n = work_size(r);
    if ((r & 0xf0) == 0x10 && st->slot[i] != NULL) {
      st->slot[i] = realloc(st->slot[i], n);
    } else {
      free(st->slot[i]);
      st->slot[i] = (r & 0x1f00) == 0x100 ? calloc(1, n) : malloc(n);
    }
    ((unsigned char *)st->slot[i])[0] = (unsigned char)r;
    st->checksum += ((unsigned char *)st->slot[i])[0];
  }
}

static void *work_thread(void *arg) {
  work_state *st = arg;
  for (long done = 0; done < ops; done += 64) work_step(st, 8);
  for (int i = 0; i < SLOTS; i++) free(st->slot[i]);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  ops = (argc > 2 ? atol(argv[2]) : 2) * 1000000L;
  char ready[4096];
  snprintf(ready, sizeof ready, "%s.ready", argv[1]);
  close(open(ready, O_WRONLY | O_CREAT, 0644));
  while (access(argv[1], F_OK) != 0) usleep(1000);
  static work_state st[2];
  st[0].rng = 0x9e3779b97f4a7c15u;
  st[1].rng = 0x243f6a8885a308d3u;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_t t;
  pthread_create(&t, NULL, work_thread, &st[1]);
  work_thread(&st[0]);
  pthread_join(t, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  printf("work_s %.4f cpu_s %.4f checksum %llu\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
         cpu, (unsigned long long)(st[0].checksum + st[1].checksum));
  return 0;
}
