/*
 * render/folded.c: a call tree as folded stacks (see render/folded.h), by
 * a depth-first walk that keeps the path from the root: one line per
 * frame whose own value (its value less its children's) is positive.
 */
#include "render/folded.h"

#include <inttypes.h>
#include <stdlib.h>

#include "util/outfile.h"

int folded_write(const calltree *t, FILE *out) {
  uint32_t *stack = malloc(t->nnodes * sizeof *stack);
  uint32_t *depth = malloc(t->nnodes * sizeof *depth);
  const char **path = malloc(t->nnodes * sizeof *path);
  if (stack == NULL || depth == NULL || path == NULL) {
    free(stack);
    free(depth);
    free(path);
    return -1;
  }
  uint32_t top = 0;
  stack[top] = 0;
  depth[top++] = 0;
  while (top) {
    top--;
    uint32_t n = stack[top], d = depth[top];
    const calltree_node *fn = &t->nodes[n];
    path[d] = fn->name;
    int64_t self = fn->value;
    for (uint32_t k = 0; k < fn->nkids; k++) self -= t->nodes[fn->kids[k]].value;
    if (d > 0 && self > 0) {
      for (uint32_t i = 1; i <= d; i++) {
        if (i > 1) fputc(';', out);
        fputs(path[i], out);
      }
      fprintf(out, " %" PRId64 "\n", self);
    }
    for (uint32_t k = fn->nkids; k-- > 0;) {
      stack[top] = fn->kids[k];
      depth[top++] = d + 1;
    }
  }
  free(stack);
  free(depth);
  free(path);
  return 0;
}

int folded_write_file(const calltree *t, const char *path, char *err, size_t errlen) {
  outfile o;
  FILE *f = outfile_open(&o, path, err, errlen);
  if (f == NULL) return -1;
  int ok = folded_write(t, f) == 0;
  if (!ok) snprintf(err, errlen, "out of memory writing %s", o.tmp);
  return outfile_close(&o, ok, err, errlen);
}
