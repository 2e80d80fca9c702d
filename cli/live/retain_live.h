/*
 * live/retain_live.h: "who holds it" for a running target
 * (live/retain_live.c).  The target's agent takes a retention snapshot in a
 * copy-on-write child of the program (agent/livescan.c: the program stops
 * only while the copy is made), and this reads it, symbolizes it and runs
 * the retention analysis (analyze/retain.c) on it: the roots and what they
 * hold, the holders of one allocation stack's blocks, and the chain of
 * pointers from a root to the block holding an address.  Both modes: in
 * sample mode the bytes held for a stack are estimates from its samples.
 *
 * The conversation (docs/LIVE.md): the asker takes the lock file
 * OUT.retain.lock (O_EXCL, holding its pid; one retention request per
 * target at a time, a lock whose owner died is taken over), renames a
 * request OUT.retain.req holding a request id into place, and waits for
 * OUT.retain.ID (a raw snapshot, reason "retain") or OUT.retain.ID.err
 * (one line: why not).  OUT is the agent's out option for the target's
 * pid (DIR/raw.PID under `leakscope run`).
 */
#ifndef LEAKSCOPE_LIVE_RETAIN_LIVE_H
#define LEAKSCOPE_LIVE_RETAIN_LIVE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

typedef struct {
  int pid;
  char out[PATH_MAX]; /* the agent's out path for this pid: its files are OUT.* */
} live_target;

#define LIVE_RETAIN_TIMEOUT_MS 120000 /* the default wait for the child's snapshot */

/* The target pid whose agent writes its files in dir (a `leakscope run`
 * directory: DIR/raw.PID). */
void live_target_in_dir(live_target *t, const char *dir, int pid);
/* A program running under `leakscope run` (found from the agent's options
 * in its environment, /proc/PID/environ); 0, or -1 with why in err. */
int live_target_of_pid(live_target *t, int pid, char *err, size_t errlen);

/* A live retention snapshot of the target, symbolized, with its retention
 * computed (snap->retention; with want_chain also the chain to address,
 * snap->retention->has_chain when a reachable block holds it) and its
 * pause (snap->live).  NULL with a one-line reason in err; *busy is set
 * when it failed because another retention snapshot of this target is
 * being taken (the HTTP server answers 409). */
snapshot *live_retain(const live_target *t, int want_chain, uint64_t address, int timeout_ms, int *busy,
                      char *err, size_t errlen);

/* One holder of a stack's blocks. */
typedef struct {
  const char *root;   /* the root's display name ("global g_cache (prog)"), or
                       * "several roots" when no one root holds them alone */
  uint64_t bytes, blocks; /* sample mode: estimates */
} live_holder;

/* The holders of the blocks allocated at stack `stack` of snapshot `of`
 * (any snapshot of the same process: the stack is matched by its return
 * addresses) in the retention snapshot `retained`, largest first: fills
 * up to max of out and returns how many there are in all (0: none of its
 * blocks is reachable, or the stack is not in `retained`). */
int live_held_by(const snapshot *retained, const snapshot *of, uint32_t stack, live_holder *out, int max);

#endif
