/*
 * render/text.h: memcheck-style text (render/text.c): the loss records and
 * the LEAK SUMMARY, the heap summary, and the one-line frame every text
 * output shares.
 */
#ifndef LEAKSCOPE_RENDER_TEXT_H
#define LEAKSCOPE_RENDER_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/snapshot.h"

/* The HEAP SUMMARY (in use at exit, the totals, the peak live heap), the
 * largest loss records (at most max_records, 0 = all; definite and
 * possible ones, and indirect and still reachable ones too with show_all),
 * each stack's frames as frames (model/frames.h) says, then the LEAK
 * SUMMARY. */
void render_text_summary(FILE *out, const snapshot *snap, int max_records, int show_all, unsigned frames);
/* The heap totals (in use, allocs, frees, bytes allocated, the peak) for a
 * snapshot without a leak check; needs no symbols. */
void render_text_heap_summary(FILE *out, const snapshot *snap);

/* One frame of a location as text: "function (file:line)" or "0xADDR (object)". */
void render_text_frame(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                       char *buf, size_t buflen);
/* The same for a line that already shows the address ("at 0xADDR: ..."):
 * a frame without a function is "??? (object)", as memcheck writes it. */
void render_text_frame_at(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                          char *buf, size_t buflen);

#endif
