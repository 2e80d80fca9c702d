/*
 * analyze/calltree.h: merge a snapshot's allocation stacks into a call
 * tree (model/calltree.h) by one sample type (analyze/calltree.c).
 */
#ifndef LEAKSCOPE_ANALYZE_CALLTREE_H
#define LEAKSCOPE_ANALYZE_CALLTREE_H

#include "model/calltree.h"
#include "model/sample_type.h"
#include "model/snapshot.h"

/* Merge every site with a positive value into t (zeroed by the caller),
 * root first.  A frame is named "function", "function (file:line)" with
 * lines, "module+0xoffset" or "0xaddress" when unsymbolized; names are
 * made fit for folded stacks (';' becomes ':', control characters ' ')
 * in snap's arena.  0, or -1 when out of memory (free t then too). */
int calltree_build(calltree *t, snapshot *snap, sample_type type, int lines);
void calltree_free(calltree *t);

#endif
