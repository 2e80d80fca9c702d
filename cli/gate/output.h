/*
 * gate/output.h: the gate's output files.  Each writer writes exactly the
 * path it is given (the caller passes OUT.tmp and renames it once every
 * output is written) and returns 0, or -1 with a one-line reason.
 *
 *   gate/json.c   assert_result.json (schema leakscope-gate/1, DESIGN.md)
 *   gate/sarif.c  SARIF 2.1.0: one result per kept leak record at its
 *                 allocation site (FORMATS.md section 6)
 *   gate/junit.c  JUnit XML: one testcase per rule
 */
#ifndef LEAKSCOPE_GATE_OUTPUT_H
#define LEAKSCOPE_GATE_OUTPUT_H

#include <stddef.h>

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

/* "value V > limit L" / "value V <= limit L" for a result, into buf. */
void gate_json_verdict(const gate_result *r, char *buf, size_t buflen);

#endif
