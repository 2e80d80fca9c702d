/*
 * analyze/supp.h: leak suppressions, read from the files users already have:
 * Valgrind suppression files (Memcheck:Leak entries, with match-leak-kinds,
 * fun:/obj:/src: frames, wildcards and "...") and LeakSanitizer files
 * (leak:PATTERN lines).  Applying them marks the matching loss records of a
 * symbolized snapshot as suppressed and recounts its summary.
 */
#ifndef LEAKSCOPE_SUPP_H
#define LEAKSCOPE_SUPP_H

#include <stddef.h>

#include "model/snapshot.h"

typedef struct supp_set supp_set;

/* Parse a suppression file; NULL with a one-line reason in err on error. */
supp_set *supp_load(const char *path, char *err, size_t errlen);
void supp_free(supp_set *set);
/* Mark suppressed records; returns how many records were suppressed. */
int supp_apply(const supp_set *set, snapshot *snap);

#endif
