/*
 * check.h: the unit tests' CHECK(cond) and CHECK(cond, "fmt", ...): a
 * failed condition is counted in `failures` and reported with its file,
 * line, text and the optional message; the test's main returns non-zero
 * when failures is not 0.
 */
#ifndef LEAKSCOPE_TESTS_CHECK_H
#define LEAKSCOPE_TESTS_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond)) {                                                      \
      failures++;                                                       \
      fprintf(stderr, "FAIL %s:%d: %s:", __FILE__, __LINE__, #cond);    \
      fprintf(stderr, " " __VA_ARGS__);                                 \
      fputc('\n', stderr);                                              \
    }                                                                   \
  } while (0)

#endif
