/*
 * util/vec.h: the one growable-array helper (util/vec.c).  An array is a
 * pointer, a count and a capacity owned by its user; vec_reserve makes
 * room, the user appends:
 *
 *   if (vec_reserve(&t->items, &t->cap, t->n + 1, sizeof *t->items) != 0) return -1;
 *   t->items[t->n++] = item;
 *
 * The same works for byte buffers (size 1, n = the bytes needed).
 */
#ifndef LEAKSCOPE_UTIL_VEC_H
#define LEAKSCOPE_UTIL_VEC_H

#include <stddef.h>

/* Room for n items of size bytes in the array *items (items is the
 * address of the array's pointer, NULL while empty) of *cap items: when n
 * is more than *cap the array grows by doubling (16 items at first), so
 * appending costs amortised O(1).  0, or -1 when out of memory or when the
 * size does not fit in a size_t; then *items and *cap are unchanged. */
int vec_reserve(void *items, size_t *cap, size_t n, size_t size);

/* The same for two arrays that grow together (parallel arrays sharing one
 * capacity *cap): items a of size_a bytes and items b of size_b bytes. */
int vec_reserve_pair(void *a, size_t size_a, void *b, size_t size_b, size_t *cap, size_t n);

#endif
