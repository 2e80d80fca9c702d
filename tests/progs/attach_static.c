/* attach_static.c: a statically linked program, which `leakscope attach`
 * must refuse (tests/attach/test_attach_errors.sh): it sleeps for the
 * number of seconds given (default 10), then prints "done". */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 10;
  for (int i = 0; i < seconds * 10; i++) usleep(100000);
  printf("done\n");
  return 0;
}
