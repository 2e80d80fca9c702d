/*
 * util/jsontree.h: jansson trees written as JSON text, with exact unsigned
 * 64-bit integers.  jansson's integers are signed (json_int_t is long
 * long), so a count above INT64_MAX would print negative: jsontree_u64
 * makes a value that jsontree's writers print as the unsigned number it
 * is, and everything else is written byte for byte as jansson's json_dumpf
 * would (the flags JSON_INDENT(n), JSON_COMPACT, JSON_ENSURE_ASCII,
 * JSON_ENCODE_ANY and JSON_REAL_PRECISION(n); objects keep their keys'
 * order, as jansson's do since 2.8, so JSON_PRESERVE_ORDER changes
 * nothing).  A tree holding a jsontree_u64 value must be written with
 * jsontree (or render/jsonw's jsonw_tree, which uses it), never with
 * jansson's dump.  render/jsonw streams the documents too large for a tree.
 */
#ifndef LEAKSCOPE_UTIL_JSONTREE_H
#define LEAKSCOPE_UTIL_JSONTREE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* A new reference to an unsigned integer: a plain json_integer up to
 * INT64_MAX, above it a value only jsontree writes (as its decimal
 * digits); NULL when out of memory. */
json_t *jsontree_u64(uint64_t v);

/* Write root (an object or an array; any value with JSON_ENCODE_ANY) to
 * f; 0, or -1 (a write error, or a string that is not UTF-8). */
int jsontree_dumpf(const json_t *root, FILE *f, size_t flags);

/* The same into a new string (the caller frees it); NULL on failure. */
char *jsontree_dumps(const json_t *root, size_t flags);

#endif
