/*
 * render/jsonw.h: a streaming JSON writer (render/jsonw.c), for documents
 * too large to build as a tree first: the report's records and sites (a
 * python run has thousands of sites of 24 frames each; jansson's tree of
 * them took ten times the time and memory of everything else the report
 * does).  The layout is byte for byte jansson's JSON_INDENT(1) |
 * JSON_PRESERVE_ORDER, so that a section may still be built with jansson
 * and written in place (jsonw_tree), and unsigned numbers print as
 * unsigned.
 *
 *   jsonw w;
 *   jsonw_init(&w, f);
 *   jsonw_object(&w);
 *   jsonw_key(&w, "pid"); jsonw_u64(&w, 42);
 *   jsonw_end(&w);
 *   if (jsonw_failed(&w)) ...   (ferror, a nesting too deep, a tree that did not dump)
 */
#ifndef LEAKSCOPE_RENDER_JSONW_H
#define LEAKSCOPE_RENDER_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

typedef struct json_t json_t;

typedef struct {
  FILE *f;
  int depth;                      /* containers open */
  int failed;                     /* a misuse or a failed tree dump (write errors: ferror) */
  int after_key;                  /* a key was written: the value follows on its line */
  char empty[JSONW_MAX_DEPTH];    /* the open container has no member yet */
  char closer[JSONW_MAX_DEPTH];   /* '}' or ']' */
} jsonw;

void jsonw_init(jsonw *w, FILE *f);
/* Open an object or an array (as a value: after a key, in an array, or at the top). */
void jsonw_object(jsonw *w);
void jsonw_array(jsonw *w);
/* Close the innermost open container. */
void jsonw_end(jsonw *w);
/* An object's member name; its value is the next call. */
void jsonw_key(jsonw *w, const char *key);
/* Values.  A string that is not valid UTF-8 has each bad byte as U+FFFD. */
void jsonw_string(jsonw *w, const char *s);
void jsonw_u64(jsonw *w, uint64_t v);
void jsonw_i64(jsonw *w, int64_t v);
void jsonw_bool(jsonw *w, int v);
void jsonw_null(jsonw *w);
/* A jansson value written in place, indented to the current depth, by
 * util/jsontree (so its jsontree_u64 counts are exact); the reference is
 * taken (NULL counts as a failure). */
void jsonw_tree(jsonw *w, json_t *v);
/* Whether anything went wrong: a misuse, a tree, or the stream's error. */
int jsonw_failed(const jsonw *w);

#endif
