/*
 * model/calltree.h: the call tree a flame graph is drawn from: the
 * allocation stacks of a snapshot merged root first, each frame one node
 * with the value of one sample type (analyze/calltree.c builds it; the
 * renderers render/flame_svg.c and render/folded.c draw and write it).
 */
#ifndef LEAKSCOPE_MODEL_CALLTREE_H
#define LEAKSCOPE_MODEL_CALLTREE_H

#include <stddef.h>
#include <stdint.h>

/* One frame in the merged call tree: the root (index 0, "all") first;
 * children sorted by name. */
typedef struct {
  const char *name;  /* never contains ';', newline or other control characters */
  int64_t value;     /* the chosen sample type: this frame and everything it called */
  int64_t other;     /* the partner type (objects for space, bytes for objects) */
  uint32_t parent;   /* the root is its own parent */
  uint32_t *kids;    /* child node indices */
  uint32_t nkids;
  size_t capkids;
} calltree_node;

typedef struct {
  calltree_node *nodes;
  uint32_t nnodes;
  size_t capnodes;
} calltree;

#endif
