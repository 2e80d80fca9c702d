/*
 * util/vec.c: growable arrays (see util/vec.h).
 */
#include "util/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int vec_reserve(void *items, size_t *cap, size_t n, size_t size) {
  if (n <= *cap) return 0;
  size_t want = *cap ? *cap : 16;
  while (want < n) {
    if (want > SIZE_MAX / 2) return -1;
    want *= 2;
  }
  if (size != 0 && want > SIZE_MAX / size) return -1;
  void *p;
  memcpy(&p, items, sizeof p); /* items is a T **: no aliasing through void ** */
  p = realloc(p, want * size);
  if (p == NULL) return -1;
  memcpy(items, &p, sizeof p);
  *cap = want;
  return 0;
}
