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
/* A live retention snapshot's pause and cost (nothing for other snapshots). */
void render_retain_live_text(FILE *out, const snapshot *snap);
/* Each allocation stack's blocks by the root that holds them alone
 * (snap_rheld; sample mode: estimates), largest first, at most top. */
void render_retain_held_text(FILE *out, const snapshot *snap, int top);
/* The chain of pointers from a root to the block holding the address
 * retain_compute_for was given ("who points at ADDRESS"). */
void render_retain_chain_text(FILE *out, const snapshot *snap);

#endif
