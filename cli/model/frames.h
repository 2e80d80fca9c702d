/*
 * model/frames.h: which frames of a stack the text outputs show
 * (model/frames.c).  A stack's frames are its locations' lines, innermost
 * first (an inlined call is a frame of its own); the text outputs show a
 * range of them: as memcheck, nothing below main unless asked
 * (--show-below-main), and in the site tables (report, diff, the gate's
 * baseline) not the allocator's own frames at the top either (operator
 * new, the C++ library's internals, strdup), so a site is the user's code
 * that allocated.  The records and the JSON report keep whole stacks.
 */
#ifndef LEAKSCOPE_MODEL_FRAMES_H
#define LEAKSCOPE_MODEL_FRAMES_H

#include <stdint.h>

#include "model/snapshot.h"

enum {
  FRAMES_BELOW_MAIN = 1,      /* keep the frames below main (libc's start) */
  FRAMES_FOLD_ALLOCATORS = 2  /* skip the allocator's frames at the top */
};

/* Is function one of the allocator's own: operator new and new[], the
 * C++ library's (std::, __gnu_cxx::: std::allocator and its traits,
 * __gnu_cxx::new_allocator, a container's storage, a string's _M_create),
 * strdup and its kin?  Only the frames at the top of a stack are folded,
 * so a library function that calls back into the program keeps the
 * program's frames above it. */
int frames_is_allocator(const char *function);

/* Is a frame with this source file and object the user's code, where a
 * finding points (SARIF's location, an LSan suppression's frame)?  Under
 * source_root when there is one (NULL or "": none); otherwise a file with
 * its whole path outside the system's directories (/usr, /lib, ...) in
 * an object outside them.  A relative file is a library's debug
 * information (Debian's "string/strdup.c"), never the user's: the
 * symbolizer joins the user's files to their compilation directory. */
int frames_is_user(const char *file, const char *object, const char *source_root);

/* The frames of st to show, as positions in the stack's frames (0 the
 * innermost): [*first, *end).  Folding never removes every frame (a stack
 * of allocator frames only is shown whole), and the range ends after the
 * outermost main when there is one and flags lacks FRAMES_BELOW_MAIN. */
void frames_range(const snapshot *snap, const snap_stack *st, unsigned flags, uint32_t *first, uint32_t *end);

#endif
