/*
 * gate/output.h: the gate's writers, each rendering the typed results of
 * gate/rules.h to the stream it is given (gate.c writes the files through
 * util/outfile and renames them once every output is written).  The file
 * writers that can fail return 0, or -1 with a one-line reason naming the
 * file (name); an error writing the stream is found when it is closed.
 *
 *   gate/text.c   the verdicts on stdout
 *   gate/json.c   assert_result.json (schema leakscope-gate/1, docs/REPORT.md)
 *   gate/sarif.c  SARIF 2.1.0: one result per kept leak record at its
 *                 allocation site (docs/INTERCHANGE.md on SARIF)
 *   gate/junit.c  JUnit XML: one testcase per rule
 */
#ifndef LEAKSCOPE_GATE_OUTPUT_H
#define LEAKSCOPE_GATE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "gate/data.h"
#include "gate/rules.h"

int gate_json_write(const gate_results *res, const gate_data *d, FILE *f, const char *name,
                    char *err, size_t errlen);
/* source_root: a directory prefix stripped from file paths so URIs are
 * relative to the repository (NULL: none). */
int gate_sarif_write(gate_data *d, const char *source_root, FILE *f, const char *name, char *err,
                     size_t errlen);
void gate_junit_write(const gate_results *res, const gate_data *d, FILE *f);

/* One line per rule (PASS/FAIL, its verdict, its worst offender with the
 * first depth frames of its stack (0: all of them), and for a failed
 * still_reachable rule the first roots holding the memory), then the
 * overall verdict. */
#define GATE_TEXT_DEPTH 4 /* frames of the worst offender shown by default */
void gate_text_write(FILE *out, const gate_results *res, const gate_data *d, unsigned depth);

#endif
