/*
 * snapwrite.h: raw snapshots (snapwrite.c; the format is docs/FORMAT.md).
 * Any thread may ask for one at any time; they are written one at a time,
 * each under the guard (GUARD_TABLES), so the caller needs none.
 */
#ifndef LEAKSCOPE_AGENT_SNAPWRITE_H
#define LEAKSCOPE_AGENT_SNAPWRITE_H

#include <stdint.h>
#include <sys/types.h>

#include "base.h"
#include "scan.h"

/* A snapshot named by the out option (%p = the pid): the exit snapshot
 * under that name, any other reason as OUT.SEQ.REASON.  With scan, the
 * leak check runs and its records are written (the world must be stopped). */
AG_HIDDEN int snapwrite(const char *reason, const scan_request *scan);
/* A snapshot (no leak check) to a path the caller names (the C API). */
AG_HIDDEN int snapwrite_to(const char *path, const char *reason);
/* The live retention snapshot (livescan.c's child, reason "retain") to
 * path, with the scan's graph and, before "end", the lines tail writes. */
AG_HIDDEN int snapwrite_live(const char *path, const scan_request *scan, void (*tail)(sys_writer *w));
/* The process (privileged) is about to take user uid's identity: when the
 * exit snapshot's directory will not let uid create files, the snapshot
 * file is made now, owned by uid, and written in place at exit. */
AG_HIDDEN void snapwrite_prepare_for_user(uid_t uid);
/* Snapshots written so far. */
AG_HIDDEN uint64_t snapwrite_count(void);

#endif
