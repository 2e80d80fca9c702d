/*
 * render/folded.h: a call tree as folded stacks (render/folded.c), the
 * text flamegraph.pl, speedscope and inferno read (docs/INTERCHANGE.md on
 * folded stacks): one line per stack, its frames root first separated by ';',
 * one space, its own value as an integer.
 */
#ifndef LEAKSCOPE_RENDER_FOLDED_H
#define LEAKSCOPE_RENDER_FOLDED_H

#include <stddef.h>
#include <stdio.h>

#include "model/calltree.h"

/* Write the lines to out; 0, or -1 when out of memory. */
int folded_write(const calltree *t, FILE *out);
/* The same into the file at path (through PATH.tmp); 0, or -1 with a
 * reason in err. */
int folded_write_file(const calltree *t, const char *path, char *err, size_t errlen);

#endif
