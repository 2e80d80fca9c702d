/*
 * render/flame_svg.h: the call tree a flame graph is drawn from (built by
 * flame.c from a snapshot), and the writer of a self-contained SVG flame
 * graph (render/flame_svg.c).
 */
#ifndef LEAKSCOPE_FLAME_SVG_H
#define LEAKSCOPE_FLAME_SVG_H

#include <stddef.h>
#include <stdint.h>

/* One frame in the merged call tree: the root (index 0, "all") first;
 * children sorted by name. */
typedef struct {
  const char *name;  /* never contains ';', newline or other control characters */
  int64_t value;     /* the chosen sample type: this frame and everything it called */
  int64_t other;     /* the partner type (objects for space, bytes for objects) */
  uint32_t *kids;    /* child node indices */
  uint32_t nkids;
  size_t capkids;
} flame_node;

typedef struct {
  flame_node *nodes;
  uint32_t nnodes;
  size_t capnodes;
} flame_tree;

typedef struct {
  const char *title;
  const char *subtitle;   /* e.g. "inuse_space of prog.pb.gz"; may be NULL */
  int value_is_bytes;     /* value counts bytes (else objects) */
  int inverted;           /* icicle: root at the top */
} flame_svg_options;

/* Write the SVG to path (through path.tmp and rename).  Returns 0, or -1
 * with a one-line reason in err. */
int flame_svg_write(const flame_tree *tree, const flame_svg_options *o, const char *path,
                    char *err, size_t errlen);

#endif
