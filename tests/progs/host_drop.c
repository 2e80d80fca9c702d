/* host_drop.c: a privileged parent leaks 10 bytes and forks a child that
 * drops to nobody (setgid, then `host_drop setuid|setresuid|setreuid`
 * says how) and leaks 77 bytes; the parent waits for it.  Exits 0, or 3
 * when the child could not drop its privileges. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static void *leak(size_t n) {
  char *p = malloc(n);
  memset(p, 1, n);
  return NULL;
}

static int drop(const char *how) {
  if (setgid(NOBODY) != 0) return -1;
  if (strcmp(how, "setresuid") == 0) return setresuid(NOBODY, NOBODY, NOBODY);
  if (strcmp(how, "setreuid") == 0) return setreuid(NOBODY, NOBODY);
  return setuid(NOBODY);
}

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "setuid";
  leak(10);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    if (drop(how) != 0 || getuid() != NOBODY) _exit(3);
    leak(77);
    exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}
