/*
 * unwind.h: stack capture for the hooks (the files are in unwind/, whose
 * internal header unwind/unwind_int.h says how they work together).  The
 * capture reports return addresses, leaf first, without the agent's own
 * frames.  It never allocates except on a thread's first capture, which
 * must happen inside the agent's guard (it reads the thread's stack bounds).
 */
#ifndef LEAKSCOPE_AGENT_UNWIND_H
#define LEAKSCOPE_AGENT_UNWIND_H

#include <stdint.h>

#include "base.h"

/* The deepest stack a capture returns (the depth option's maximum). */
#define UNWIND_MAX_DEPTH 64

/* Sets up the fast unwinder (no allocation, no dlopen: it may run inside
 * another library's constructor). */
AG_HIDDEN int unwind_init(void);
/* Loads the slow path (glibc's backtrace(), which dlopens libgcc_s on its
 * first call; or libunwind for the unwind and unwind_check options): from
 * the agent's own constructor, inside the guard.  -1 if libunwind was
 * asked for and is missing. */
AG_HIDDEN int unwind_prime(void);
/* Capture the caller's stack into pcs (at most max frames); returns the
 * depth.  *same is set when it is the very stack this thread's previous
 * capture returned (found without comparing it: the walk reused all of
 * it), so that the caller may reuse what it made of that one. */
AG_HIDDEN int unwind_capture(uintptr_t *pcs, int max, int *same);
/* The pc lies in libleakscope.so's code. */
AG_HIDDEN int unwind_is_agent_pc(uintptr_t pc);
/* The range overlaps libleakscope.so's own mapped segments. */
AG_HIDDEN int unwind_is_agent_range(uintptr_t start, uintptr_t end);
/* Forget every cached rule: after dlclose another object may be mapped at
 * the unloaded one's addresses. */
AG_HIDDEN void unwind_flush(void);

#endif
