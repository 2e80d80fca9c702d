/* leak_none.c: leak-check accuracy program that frees everything it
 * allocates (malloc, calloc, realloc, strdup, posix_memalign, a 1 MiB
 * block, a freed list): every leak kind is zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
  struct item *next;
  int value;
};

static int run(void)
{
  int sum = 0;
  struct item *list = NULL;
  for (int i = 0; i < 100; i++) {
    struct item *it = malloc(sizeof *it);
    it->value = i;
    it->next = list;
    list = it;
  }
  while (list) {
    struct item *next = list->next;
    sum += list->value;
    free(list);
    list = next;
  }
  char *s = strdup("freed string");
  sum += (int)strlen(s);
  free(s);
  int *v = calloc(50, sizeof *v);
  v = realloc(v, 5000 * sizeof *v);
  free(v);
  void *a = NULL;
  if (posix_memalign(&a, 64, 1000) == 0)
    free(a);
  char *big = malloc(1 << 20);
  memset(big, 1, 1 << 20);
  sum += big[5];
  free(big);
  return sum;
}

int main(void)
{
  printf("leak_none: %d\n", run());
  return 0;
}
