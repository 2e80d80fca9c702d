/*
 * render/retain.h: retention as memcheck-style text (render/retain.c).
 */
#ifndef LEAKSCOPE_RENDER_RETAIN_H
#define LEAKSCOPE_RENDER_RETAIN_H

#include <stdio.h>

#include "model/snapshot.h"

/* Who holds the reachable memory: roots, the largest retainers with stacks
 * and paths, sites; at most top of each (0 = all). */
void render_retain_text(FILE *out, const snapshot *snap, int top);

#endif
