/*
 * render/json.h: the JSON report, schema leakscope-report/1 (docs/REPORT.md),
 * and JSON documents written through PATH.tmp (render/json.c).
 */
#ifndef LEAKSCOPE_RENDER_JSON_H
#define LEAKSCOPE_RENDER_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "model/snapshot.h"

/* The report of a (symbolized) snapshot to path; 0, or -1 with a reason in err. */
int render_json_report(const snapshot *snap, const char *path, char *err, size_t errlen);

/* The same with a list "suspects" (the leak watch's; its reference is
 * taken; NULL: none). */
typedef struct json_t json_t;
int render_json_report_suspects(const snapshot *snap, json_t *suspects, const char *path, char *err,
                                size_t errlen);

/* A stack's frames as the report's records have them (a new reference). */
json_t *render_json_stack(const snapshot *snap, uint32_t stack);

/* Write a JSON document (jansson dump flags) to path through path.tmp; takes
 * root's reference.  0, or -1 with a reason in err. */
int render_json_dump(json_t *root, const char *path, size_t flags, char *err, size_t errlen);
/* The same to an open stream (name for messages). */
int render_json_dumpf(json_t *root, FILE *f, size_t flags, const char *name, char *err,
                      size_t errlen);
/* A snapshot's retention section as the report has it, with the pid,
 * the mode, each stack's holders ("held": root, blocks, bytes, stack;
 * sample mode: estimates), a live snapshot's figures ("live") and the chain to an
 * address ("chain", when retain_compute_for found one); NULL when out of
 * memory.  The caller owns the reference. */
json_t *render_json_retention(const snapshot *snap);

#endif
