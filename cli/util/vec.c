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

int vec_reserve_pair(void *a, size_t size_a, void *b, size_t size_b, size_t *cap, size_t n) {
  size_t cap_a = *cap, cap_b = *cap; /* a may grow and b fail: *cap stays what both have */
  if (vec_reserve(a, &cap_a, n, size_a) != 0 || vec_reserve(b, &cap_b, n, size_b) != 0) return -1;
  *cap = cap_a;
  return 0;
}
