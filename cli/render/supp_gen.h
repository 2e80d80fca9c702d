/*
 * render/supp_gen.h: suppressions for a snapshot's loss records, as
 * `--gen-suppressions` prints them (render/supp_gen.c): Valgrind's format
 * (memcheck's --gen-suppressions=all: one Memcheck:Leak block per record,
 * its kind and its frames up to main, mangled names as memcheck writes
 * them) or LeakSanitizer's (one leak: line per record).  Fed back with
 * --suppressions, they suppress those records.
 */
#ifndef LEAKSCOPE_RENDER_SUPP_GEN_H
#define LEAKSCOPE_RENDER_SUPP_GEN_H

#include <stdio.h>

#include "model/snapshot.h"

typedef enum { SUPP_GEN_VALGRIND, SUPP_GEN_LSAN } supp_gen_format;

/* One suppression per unsuppressed loss record of snap, largest first. */
void render_supp_gen(FILE *out, const snapshot *snap, supp_gen_format format);

/* The value of a --gen-suppressions option (NULL or "all": Valgrind's
 * format, "lsan": LeakSanitizer's); 0, or -1 for another value. */
int render_supp_gen_format(const char *value, supp_gen_format *out);

#endif
