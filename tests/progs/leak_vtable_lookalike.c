/* leak_vtable_lookalike.c: leak-check accuracy program for memcheck's
 * multiple-inheritance heuristic on C data that looks more or less like
 * vtables.  Each block is held only by a global pointer to its third word
 * (an interior pointer); its first and third words point to tables.  The
 * heuristic makes it reachable when both tables are "vtables": an aligned
 * address in a readable file mapping whose first 21 words hold two
 * non-null pointers into executable file mappings before any word that is
 * neither null nor such a pointer.  Otherwise the block is possibly lost.
 * Sizes tell the cases apart in the summary:
 *   40: both tables hold two functions at once           -> reachable
 *   48: the second function is the 21st word             -> reachable
 *   56: the second function is the 22nd word             -> possibly lost
 *   64: a data pointer before the second function        -> possibly lost
 *   72: the tables are heap memory (no file mapping)     -> possibly lost
 *   80: the first word is below the first page (small integer) -> possibly lost
 *   88: the first table has one function only, then zeros -> possibly lost */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*fn)(void);

static void first_function(void) { puts("first"); }
static void second_function(void) { puts("second"); }
static int some_data = 42;

#define WORDS 24

static const fn two_at_once[WORDS] = {first_function, second_function};
static const fn second_is_21st[WORDS] = {[0] = first_function, [20] = second_function};
static const fn second_is_22nd[WORDS] = {[0] = first_function, [21] = second_function};
static const void *const data_before_second[WORDS] = {(void *)first_function, &some_data,
                                                      (void *)second_function};
static const fn only_one[WORDS] = {first_function};

static void *held[7];

static void scrub_stack(void)
{
  volatile char pad[131072];
  for (size_t i = 0; i < sizeof pad; i++)
    pad[i] = 0;
}

/* A block of size bytes whose words 0 and 2 are first and inner, held by
 * a pointer to word 2 only. */
static void hold(int slot, size_t size, const void *first, const void *inner)
{
  void **b = malloc(size);
  memset(b, 0, size);
  b[0] = (void *)first;
  b[2] = (void *)inner;
  held[slot] = &b[2];
}

int main(void)
{
  hold(0, 40, two_at_once, two_at_once);
  hold(1, 48, second_is_21st, second_is_21st);
  hold(2, 56, second_is_22nd, two_at_once);
  hold(3, 64, data_before_second, two_at_once);
  fn *heap_table = calloc(WORDS, sizeof *heap_table);
  heap_table[0] = first_function;
  heap_table[1] = second_function;
  hold(4, 72, heap_table, heap_table);
  hold(5, 80, (void *)16, two_at_once);
  hold(6, 88, only_one, two_at_once);
  heap_table = NULL;
  scrub_stack();
  printf("%d\n", some_data);
  return 0;
}
