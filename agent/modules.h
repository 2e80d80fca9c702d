/*
 * modules.h: the module map written into every snapshot (modules.c): each
 * loaded object's load bias, build-id, path, executable segments, and the
 * span of its globals and static TLS, for symbolizing and for naming
 * retention roots.  Objects that are dlclose'd are remembered first.
 */
#ifndef LEAKSCOPE_AGENT_MODULES_H
#define LEAKSCOPE_AGENT_MODULES_H

#include "base.h"
#include "sys.h"

/* Reads the static TLS size from ld.so; inside the guard (dlsym may allocate). */
AG_HIDDEN void modules_init(void);
/* The "module", "segment", "data" and "tls" lines of docs/FORMAT.md. */
AG_HIDDEN void modules_write(sys_writer *w);
/* Before dlclose: keep the loaded modules, so stacks in them stay symbolizable. */
AG_HIDDEN void modules_remember(void);

#endif
