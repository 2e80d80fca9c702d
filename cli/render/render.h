/*
 * render/render.h: the renderers: each turns a (symbolized) snapshot into one
 * output format.  File outputs are written to PATH.tmp and renamed, so no
 * half-written file is ever left; they return 0, or -1 with a one-line
 * reason in err.
 */
#ifndef LEAKSCOPE_RENDER_H
#define LEAKSCOPE_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "model/snapshot.h"

/* JSON report, schema leakscope-report/1 (DESIGN.md); render/json.c. */
int render_json_report(const snapshot *snap, const char *path, char *err, size_t errlen);
/* Write a JSON document (jansson dump flags) to path through path.tmp; takes
 * root's reference.  render/json.c. */
typedef struct json_t json_t;
int render_json_dump(json_t *root, const char *path, size_t flags, char *err, size_t errlen);
/* The same to an open stream (name for messages). */
int render_json_dumpf(json_t *root, FILE *f, size_t flags, const char *name, char *err,
                      size_t errlen);

/* memcheck-style text: the largest loss records (at most max_records, 0 =
 * all; definite and possible ones, and indirect and still reachable ones
 * too with show_all) then the LEAK SUMMARY; render/text.c. */
void render_text_summary(FILE *out, const snapshot *snap, int max_records, int show_all);
/* The heap totals (in use, allocs, frees, bytes allocated) for a snapshot
 * without a leak check; needs no symbols.  render/text.c. */
void render_text_heap_summary(FILE *out, const snapshot *snap);

/* Retention (who holds the reachable memory): roots, the largest retainers
 * with stacks and paths, sites; at most top of each (0 = all);
 * render/retain.c. */
void render_text_retention(FILE *out, const snapshot *snap, int top);

/* Valgrind memcheck XML, protocol 4; render/xml.c. */
int render_xml(const snapshot *snap, const char *path, char *err, size_t errlen);

/* gzip'd pprof profile.proto; render/pprof_write.c. */
int pprof_write(const snapshot *snap, const char *path, char *err, size_t errlen);

/* One frame of a location as text: "function (file:line)" or "0xADDR (object)". */
void render_frame_text(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                       char *buf, size_t buflen);

#endif
