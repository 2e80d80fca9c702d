/* host_children.c: starts programs every way a program can, each of which
 * prints the agent's environment variables as it sees them: posix_spawn,
 * fork + execve with main's envp, system, popen; then an execvp of a
 * program that does not exist, which fails and returns.  Leaks 64 bytes
 * itself, so that its own report is there to be seen. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(how) "echo " how ":[$LD_PRELOAD][$LEAKSCOPE_OPTIONS]"

static void *leaked;

int main(int argc, char **argv, char **envp) {
  (void)argc;
  (void)argv;
  leaked = malloc(64);
  memset(leaked, 1, 64);
  leaked = NULL;
  fflush(stdout);

  char *spawn_argv[] = {"sh", "-c", SHOW("spawn"), NULL};
  pid_t pid;
  if (posix_spawn(&pid, "/bin/sh", NULL, NULL, spawn_argv, envp) != 0) return 3;
  waitpid(pid, NULL, 0);

  pid = fork();
  if (pid == 0) {
    char *exec_argv[] = {"sh", "-c", SHOW("fork"), NULL};
    execve("/bin/sh", exec_argv, envp);
    _exit(127);
  }
  waitpid(pid, NULL, 0);

  if (system(SHOW("system")) != 0) return 4;
  FILE *f = popen(SHOW("popen"), "r");
  if (f == NULL) return 5;
  char line[512];
  while (fgets(line, sizeof line, f) != NULL) fputs(line, stdout);
  if (pclose(f) != 0) return 6;

  execlp("no-such-program-leakscope", "no-such-program-leakscope", (char *)NULL);
  printf("exec failed, still here\n");
  return 0;
}
