/*
 * symbolize.h: fill every location of a snapshot with function, file, line
 * and inlined frames, out of process, from the modules' ELF and DWARF data
 * (elfutils libdwfl).  Locations whose module cannot be read keep their
 * address only; that is not an error.
 */
#ifndef LEAKSCOPE_SYMBOLIZE_H
#define LEAKSCOPE_SYMBOLIZE_H

#include <stddef.h>

#include "snapshot.h"

/* Symbolize all locations; sets snap->symbolized.  Returns 0, or -1 with a
 * reason in err on a fatal error (out of memory). */
int symbolize_snapshot(snapshot *snap, char *err, size_t errlen);

#endif
