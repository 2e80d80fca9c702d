/*
 * gate/output.h: the gate's writers, each rendering the typed results of
 * gate/rules.h.  A file writer writes exactly the path it is given (the
 * caller passes OUT.tmp and renames it once every output is written) and
 * returns 0, or -1 with a one-line reason.
 *
 *   gate/text.c   the verdicts on stdout
 *   gate/json.c   assert_result.json (schema leakscope-gate/1, docs/REPORT.md)
 *   gate/sarif.c  SARIF 2.1.0: one result per kept leak record at its
 *                 allocation site (docs/FORMATS.md, SARIF)
 *   gate/junit.c  JUnit XML: one testcase per rule
 */
#ifndef LEAKSCOPE_GATE_OUTPUT_H
#define LEAKSCOPE_GATE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "gate/data.h"
#include "gate/rules.h"

int gate_json_write(const gate_results *res, const gate_data *d, const char *path, char *err,
                    size_t errlen);
/* source_root: a directory prefix stripped from file paths so URIs are
 * relative to the repository (NULL: none). */
int gate_sarif_write(gate_data *d, const char *source_root, const char *path, char *err,
                     size_t errlen);
int gate_junit_write(const gate_results *res, const gate_data *d, const char *path, char *err,
                     size_t errlen);

/* One line per rule (PASS/FAIL, its verdict, and for a failed
 * still_reachable rule the first roots holding the memory), then the
 * overall verdict. */
void gate_text_write(FILE *out, const gate_results *res, const gate_data *d);

#endif
