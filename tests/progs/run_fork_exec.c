/* run_fork_exec.c: leaks in a parent, a forked child, and (optionally) an
 * exec'd program: `run_fork_exec [EXEC_PATH]`.  The parent leaks 100 bytes,
 * the child 200; with an argument the child execs that program instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *leak(size_t n) {
  char *p = malloc(n);
  memset(p, 1, n);
  return NULL; /* the pointer is dropped */
}

/* A stale copy of a pointer in a stack slot the exit path reserves but
 * never writes would keep a block reachable (memcheck ignores never-written
 * words; a native scan cannot tell them apart): scrub before exiting. */
__attribute__((noinline)) static void scrub_stack(void) {
  volatile char pad[32768];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

int main(int argc, char **argv) {
  leak(100);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (argc > 1) {
      execl(argv[1], argv[1], (char *)NULL);
      _exit(126);
    }
    leak(200);
    scrub_stack();
    printf("child done\n");
    return 0;
  }
  int status;
  waitpid(pid, &status, 0);
  scrub_stack();
  printf("parent done, child status %d\n", WEXITSTATUS(status));
  return 5;
}
