/*
 * util/size.h: sizes as every option and config value takes them
 * (util/size.c): a whole number of bytes with an optional K, M, G or T
 * suffix (powers of 1024), upper or lower case, and an optional B after
 * it: "4096", "64K", "1M", "2GB".
 */
#ifndef LEAKSCOPE_UTIL_SIZE_H
#define LEAKSCOPE_UTIL_SIZE_H

#include <stdint.h>

/* The size s names into *out; 0, or -1 when s is not a size or does not
 * fit in 64 bits. */
int size_parse(const char *s, uint64_t *out);

#endif
