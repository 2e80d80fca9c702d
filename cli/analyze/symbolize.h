/*
 * analyze/symbolize.h: fill every location of a snapshot with function, file, line
 * and inlined frames, out of process, from the modules' ELF and DWARF data
 * (elfutils libdwfl).  Locations whose module cannot be read keep their
 * address only; that is not an error.
 */
#ifndef LEAKSCOPE_SYMBOLIZE_H
#define LEAKSCOPE_SYMBOLIZE_H

#include <stddef.h>

#include "model/snapshot.h"

/* Symbolize all locations; sets snap->symbolized.  Returns 0, or -1 with a
 * reason in err on a fatal error (out of memory). */
int symbolize_snapshot(snapshot *snap, char *err, size_t errlen);

/* Names for data addresses (retention roots): the object symbol (a global
 * or static variable, demangled, a snapshot string) of module mi holding
 * address, and the address's offset in it; NULL when there is none or the
 * module cannot be read.  symbolize_data_open returns NULL when out of
 * memory. */
typedef struct sym_data sym_data;
sym_data *symbolize_data_open(snapshot *snap);
const char *symbolize_data_lookup(sym_data *d, int32_t mi, uint64_t address, uint64_t *offset);
/* The same for a thread-local variable: tls_offset is the place in the
 * module's TLS block (as its symbols' values count). */
const char *symbolize_tls_lookup(sym_data *d, int32_t mi, uint64_t tls_offset, uint64_t *offset);
void symbolize_data_close(sym_data *d);

#endif
