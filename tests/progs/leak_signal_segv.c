/* leak_signal_segv.c: a program that crashes (SIGSEGV, status 139) with a
 * lost list: reported as memcheck reports it, then the same crash. */
#include <stdio.h>
#include <stdlib.h>

struct node {
  struct node *next;
  int value;
};

int main(void) {
  struct node *head = NULL;
  for (int i = 0; i < 4; i++) {
    struct node *n = malloc(sizeof *n);
    n->next = head;
    n->value = i;
    head = n;
  }
  head = NULL;
  printf("crashing\n");
  fflush(stdout);
  volatile int *nowhere = NULL;
  *nowhere = 1;
  return 0;
}
