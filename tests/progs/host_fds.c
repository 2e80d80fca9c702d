/* host_fds.c: prints the descriptors the program has open (the numbers in
 * /proc/self/fd but the directory's own) when main starts, and again after
 * allocating and freeing 64 MiB in blocks of every size (so that sample
 * mode samples, and the agent's control thread has had time to run);
 * then for a second opens and closes /dev/null again and again, allocating
 * between, and prints "open: lowest" if each open gave the lowest free
 * number (periodic snapshots are written meanwhile). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void print_fds(const char *when) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) {
    perror("/proc/self/fd");
    exit(3);
  }
  printf("%s:", when);
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) printf(" %s", e->d_name);
  printf("\n");
  closedir(d);
}

int main(void) {
  print_fds("start");
  for (size_t i = 0, total = 0; total < 64u << 20; i++) {
    size_t size = 16 + (i * 7919) % 65536;
    free(malloc(size));
    total += size;
  }
  struct timespec nap = {0, 300 * 1000 * 1000};
  nanosleep(&nap, NULL);
  print_fds("later");

  int lowest = open("/dev/null", O_RDONLY);
  close(lowest);
  int wrong = -1;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    int fd = open("/dev/null", O_RDONLY);
    if (fd != lowest && wrong < 0) wrong = fd;
    close(fd);
    free(malloc(4096));
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 1000000000L);
  if (wrong < 0) printf("open: lowest\n");
  else printf("open: gave %d, not %d\n", wrong, lowest);
  return 0;
}
