/* stress_spawn.c: starts programs by posix_spawn from several threads, and
 * replaces itself by exec.
 *   stress_spawn spawn N   4 threads each posix_spawn N / 4 copies of
 *                          `stress_spawn child` and wait for them
 *   stress_spawn exec      allocates, then execs `stress_spawn child`
 *   stress_spawn child     leaks 64 bytes (definitely lost) and exits 0;
 *                          it prints "child" only when it replaced exec
 * Exit status 0 when every child exited 0. */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *self;
static int per_thread;
static void *volatile sink;

static void *spawner(void *arg)
{
  long bad = 0;
  for (int i = 0; i < per_thread; i++) {
    char *argv[] = {(char *)self, "child", NULL};
    pid_t pid;
    int status;
    void *p = malloc(128);  /* the parent allocates between spawns */
    sink = p;
    free(p);
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) != pid ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      bad++;
  }
  return (void *)bad;
}

static void leak64(void)
{
  sink = malloc(64);
  sink = NULL;
}

int main(int argc, char **argv)
{
  self = argv[0];
  if (argc == 3 && strcmp(argv[1], "spawn") == 0) {
    pthread_t t[4];
    long bad = 0;
    per_thread = atoi(argv[2]) / 4;
    for (int i = 0; i < 4; i++)
      if (pthread_create(&t[i], NULL, spawner, NULL) != 0)
        return 1;
    for (int i = 0; i < 4; i++) {
      void *r;
      pthread_join(t[i], &r);
      bad += (long)r;
    }
    printf("spawned %d children, %ld failed\n", per_thread * 4, bad);
    return bad != 0;
  }
  if (argc == 2 && strcmp(argv[1], "exec") == 0) {
    char *cargv[] = {(char *)self, "child", "after-exec", NULL};
    sink = malloc(100);
    printf("before exec\n");
    fflush(stdout);
    execv(self, cargv);
    perror("execv");
    return 1;
  }
  if (argc >= 2 && strcmp(argv[1], "child") == 0) {
    leak64();
    if (argc == 3)
      printf("child %s\n", argv[2]);
    return 0;
  }
  fprintf(stderr, "usage: stress_spawn spawn N | exec | child\n");
  return 2;
}
