/* leak_fork.c: leak-check accuracy program: fork without exec.  A block
 * lost before fork is lost in both processes; the child then loses three
 * 200-byte blocks and exits with status 7; the parent loses two 250-byte
 * blocks, waits for the child and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

static void lose(size_t size, int count)
{
  for (int i = 0; i < count; i++)
    memset(malloc(size), 'f', size);
}

int main(void)
{
  lose(100, 1);
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0)
    return 2;
  if (pid == 0) {
    lose(200, 3);
    scrub_stack();
    printf("leak_fork: child done\n");
    exit(7);
  }
  lose(250, 2);
  scrub_stack();
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return 2;
  printf("leak_fork: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
