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
/* pc is in libunwind's code (loaded for unwind=libunwind and unwind_check). */
AG_HIDDEN int unwind_is_libunwind_pc(uintptr_t pc);
/* libunwind opened a pipe (pipe2 with flags, hooks.c): it is moved out of
 * the program's way, fds are the numbers it gets, and it exists only while
 * a thread is inside libunwind. */
AG_HIDDEN void unwind_libunwind_pipe(int fds[2], int flags);
/* In the child after fork: no other thread is inside libunwind. */
AG_HIDDEN void unwind_after_fork_child(void);
/* Capture the caller's stack into pcs (at most max frames); returns the
 * depth.  entry: where the program called into the agent, if the caller
 * knows (the frame address of a function with a frame pointer: [0] the
 * program's RBP, [1] the return address into it), so that the walk starts
 * there instead of stepping through the agent's frames; NULL, or a return
 * address inside the agent (a hook that did not tail-call that function),
 * and the walk starts here.  *tag: the caller's tag (unwind_tag) for this very stack when the
 * thread has had it before and the walk knows it without comparing it
 * (all of the last capture reused, or a few fresh frames below a part of
 * a tagged capture, seen so before), else 0; pcs is then filled only with
 * need_pcs (it always is when *tag is 0).  Every capture is followed
 * by unwind_tag on the same thread; a capture between the two (a signal
 * handler's) takes the slow path and leaves the thread's record alone. */
AG_HIDDEN int unwind_capture(uintptr_t *pcs, int max, uint32_t *tag, int need_pcs, const uintptr_t *entry);
/* The tag of the thread's last capture (its stack id; 0: none, when the
 * caller made something else of the frames). */
AG_HIDDEN void unwind_tag(uint32_t tag);
/* For a call the agent's hook received while its guard was up: when a
 * signal frame lies between the caller and the next of the agent's own
 * frames above it (a signal handler interrupted the agent, or a library
 * the agent had called, and allocates), the caller's stack without the
 * agent's frames, and its depth (at most max); else -1 (a call made by
 * the library the agent called, and always with unwind=libunwind or
 * unwind_check).  Only glibc's backtrace() walks it: the fast walk's record
 * of the thread's last capture may be in use by the interrupted capture. */
AG_HIDDEN int unwind_capture_in_handler(uintptr_t *pcs, int max);
/* Whether a capture of this thread since the last call walked through a
 * signal frame within the depth it returned: the caller of that capture
 * ran in a signal handler.  Resets it. */
AG_HIDDEN int unwind_in_signal_handler(void);
/* The pc lies in libleakscope.so's code. */
AG_HIDDEN int unwind_is_agent_pc(uintptr_t pc);
/* The range overlaps libleakscope.so's own mapped segments. */
AG_HIDDEN int unwind_is_agent_range(uintptr_t start, uintptr_t end);
/* Forget every cached rule: after dlclose another object may be mapped at
 * the unloaded one's addresses. */
AG_HIDDEN void unwind_flush(void);

#endif
