/*
 * render/flame_svg.h: the writer of a self-contained SVG flame graph of a
 * call tree (render/flame_svg.c; the tree is model/calltree.h's).
 */
#ifndef LEAKSCOPE_RENDER_FLAME_SVG_H
#define LEAKSCOPE_RENDER_FLAME_SVG_H

#include <stddef.h>

#include "model/calltree.h"

typedef struct {
  const char *title;
  const char *subtitle;   /* e.g. "inuse_space of prog.pb.gz"; may be NULL */
  int value_is_bytes;     /* value counts bytes (else objects) */
  int inverted;           /* icicle: root at the top */
} flame_svg_options;

/* Write the SVG to path (through path.tmp and rename).  Returns 0, or -1
 * with a one-line reason in err. */
int flame_svg_write(const calltree *tree, const flame_svg_options *o, const char *path,
                    char *err, size_t errlen);

#endif
