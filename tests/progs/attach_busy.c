/* attach_busy.c: a program whose main thread never leaves libc's code, so
 * `leakscope attach` never finds it at a safe point
 * (tests/attach/test_attach_exit.sh):
 *
 *   attach_busy SECONDS READY
 *
 * starts a thread that sleeps SECONDS and then ends the process with
 * _exit(0), creates the file READY, and spins in pthread_spin_lock on a
 * lock it already holds (a loop inside libc with no system call) until
 * then.  A loop of the program's own around a libc call would not do:
 * a stop lands between two calls now and then (it did, about 1 attach in
 * 10 on a loaded machine, in the function called after qsort returned). */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void *busy_end(void *arg) {
  double seconds = *(const double *)arg;
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&ts, &ts) != 0) continue;
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  static double seconds;
  seconds = atof(argv[1]);
  static pthread_spinlock_t held;
  pthread_t ender;
  if (pthread_spin_init(&held, PTHREAD_PROCESS_PRIVATE) != 0 || pthread_spin_lock(&held) != 0 ||
      pthread_create(&ender, NULL, busy_end, &seconds) != 0)
    return 2;
  int fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
  if (fd < 0 || close(fd) != 0) return 2;
  pthread_spin_lock(&held); /* never returns: busy_end ends the process */
  return 2;
}
