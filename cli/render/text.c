/*
 * render/text.c: memcheck-style text: the largest loss records with their
 * stacks, then the LEAK SUMMARY, and the one-line frame format every text
 * output shares.
 */
#include "render/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/frames.h"
#include "util/text.h"

/* A frame without a function is "???" when its address is printed beside
 * it (memcheck's "by 0x4005E4: ??? (in /bin/prog)"), else its address. */
static void render_text_frame_as(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                                 int address_shown, char *buf, size_t buflen) {
  const snap_line *line = line_index < loc->nlines ? &loc->lines[line_index] : NULL;
  const char *object = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules
                           ? snap->modules[loc->module].path : NULL;
  if (line != NULL && line->function != NULL && line->file != NULL && line->line > 0)
    snprintf(buf, buflen, "%s (%s:%" PRId64 ")", line->function, text_basename(line->file),
             line->line);
  else if (line != NULL && line->function != NULL)
    snprintf(buf, buflen, "%s (in %s)", line->function, object ? object : "?");
  else if (address_shown)
    snprintf(buf, buflen, "??? (in %s)", object ? object : "?");
  else
    snprintf(buf, buflen, "0x%" PRIx64 " (in %s)", loc->address, object ? object : "?");
}

void render_text_frame(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                       char *buf, size_t buflen) {
  render_text_frame_as(snap, loc, line_index, 0, buf, buflen);
}

void render_text_frame_at(const snapshot *snap, const snap_location *loc, uint32_t line_index,
                          char *buf, size_t buflen) {
  render_text_frame_as(snap, loc, line_index, 1, buf, buflen);
}

static void render_stack(FILE *out, const snapshot *snap, uint32_t stack, int pid, unsigned frames) {
  const snap_stack *st = &snap->stacks[stack];
  int first = 1;
  uint32_t shown_first, shown_end, n = 0;
  frames_range(snap, st, frames, &shown_first, &shown_end);
  for (uint32_t i = 0; i < st->nlocs; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines; l++, n++) {
      if (n < shown_first || n >= shown_end) continue;
      char frame[1024];
      render_text_frame_at(snap, loc, l, frame, sizeof frame);
      fprintf(out, "==%d==    %s 0x%" PRIX64 ": %s\n", pid, first ? "at" : "by", loc->address, frame);
      first = 0;
    }
  }
  if (first) fprintf(out, "==%d==    (no stack)\n", pid);
}

/* Sample mode's stand-in for the LEAK SUMMARY: the heap totals, no stacks
 * (so nothing needs symbols). */
void render_text_heap_summary(FILE *out, const snapshot *snap) {
  int pid = snap->pid;
  char a[32], b[32], c[32];
  int sampled = snap->sample_interval > 1;
  /* the agent counts every allocation and free, sampled or not: from its
   * snapshots and reports the counts, and so the blocks in use, are exact;
   * a profile's are the sampled estimates like its bytes */
  int counted = snap->source_format == NULL || strcmp(snap->source_format, "pprof") != 0;
  fprintf(out, "==%d== HEAP SUMMARY (%s):\n", pid,
          !sampled ? "exact" : counted ? "sampled; in-use bytes are estimates" : "sampled; estimates");
  if (sampled)
    fprintf(out, "==%d==     mean sampling interval: %s bytes\n", pid,
            text_commas(snap->sample_interval, a, sizeof a));
  uint64_t blocks = sampled && counted && snap->total_allocs >= snap->total_frees && snap->total_allocs > 0
                        ? snap->total_allocs - snap->total_frees : snap->inuse_objects;
  fprintf(out, "==%d==     in use at %s: %s bytes in %s blocks\n", pid,
          snap->reason ? snap->reason : "exit", text_commas(snap->inuse_bytes, a, sizeof a),
          text_commas(blocks, b, sizeof b));
  fprintf(out, "==%d==   total heap usage: %s allocs, %s frees, %s bytes allocated\n", pid,
          text_commas(snap->total_allocs, a, sizeof a), text_commas(snap->total_frees, b, sizeof b),
          text_commas(snap->total_bytes_allocated, c, sizeof c));
  if (snap->has_peak)
    fprintf(out, "==%d==     peak live heap: %s bytes%s\n", pid, text_commas(snap->peak_bytes, a, sizeof a),
            sampled ? " (estimate)" : "");
}

/* Full mode's HEAP SUMMARY, before the loss records. */
static void render_text_totals(FILE *out, const snapshot *snap) {
  int pid = snap->pid;
  char a[32], b[32], c[32];
  fprintf(out, "==%d== HEAP SUMMARY:\n", pid);
  fprintf(out, "==%d==     in use at exit: %s bytes in %s blocks\n", pid, text_commas(snap->inuse_bytes, a, sizeof a),
          text_commas(snap->inuse_objects, b, sizeof b));
  fprintf(out, "==%d==   total heap usage: %s allocs, %s frees, %s bytes allocated\n", pid,
          text_commas(snap->total_allocs, a, sizeof a), text_commas(snap->total_frees, b, sizeof b),
          text_commas(snap->total_bytes_allocated, c, sizeof c));
  if (snap->has_peak)
    fprintf(out, "==%d==     peak live heap: %s bytes\n", pid, text_commas(snap->peak_bytes, a, sizeof a));
  fprintf(out, "==%d==\n", pid);
}

void render_text_summary(FILE *out, const snapshot *snap, int max_records, int show_all, unsigned frames) {
  int pid = snap->pid;
  char a[32], b[32], c[32];
  if (!snap->has_leak_check) {
    fprintf(out, "==%d== no leak check in this snapshot (mode %s)\n", pid, snap->mode);
    return;
  }
  /* memcheck's HEAP SUMMARY, and the peak live heap it does not have;
   * none when the input does not know the totals (Valgrind XML) */
  if (snap->total_allocs > 0) render_text_totals(out, snap);

  /* each record's number is its place in memcheck's order, smallest first */
  uint32_t total_records = 0;
  for (uint32_t i = 0; i < snap->nleaks; i++) total_records += snap->leaks[i].suppressed_by == NULL;
  int printed = 0;
  for (uint32_t i = 0; i < snap->nleaks; i++) {
    const snap_leak *l = &snap->leaks[i];
    if (l->suppressed_by != NULL) continue;
    if (!show_all && (l->kind == SNAP_INDIRECT || l->kind == SNAP_REACHABLE)) continue;
    if (max_records > 0 && printed >= max_records) break;
    uint64_t rank = 1;
    for (uint32_t j = 0; j < snap->nleaks; j++)
      if (snap->leaks[j].suppressed_by == NULL) {
        int order = snap_loss_record_cmp(&snap->leaks[j], l);
        rank += order < 0 || (order == 0 && j < i);
      }
    char blocks[32], number[32], of[32];
    text_commas(l->blocks, blocks, sizeof blocks);
    text_commas(rank, number, sizeof number);
    text_commas(total_records, of, sizeof of);
    if (l->indirect_bytes)
      fprintf(out, "==%d== %s (%s direct, %s indirect) bytes in %s blocks are %s in loss record %s of %s\n",
              pid, text_commas(l->bytes + l->indirect_bytes, a, sizeof a),
              text_commas(l->bytes, b, sizeof b), text_commas(l->indirect_bytes, c, sizeof c), blocks,
              snap_kind_words(l->kind), number, of);
    else
      fprintf(out, "==%d== %s bytes in %s blocks are %s in loss record %s of %s\n", pid,
              text_commas(l->bytes, a, sizeof a), blocks, snap_kind_words(l->kind), number, of);
    render_stack(out, snap, l->stack, pid, frames);
    fprintf(out, "==%d==\n", pid);
    printed++;
  }
  fprintf(out, "==%d== LEAK SUMMARY:\n", pid);
  static const char *const labels[] = {"definitely lost", "indirectly lost", "  possibly lost",
                                       "still reachable"};
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    fprintf(out, "==%d==    %s: %s bytes in %s blocks\n", pid, labels[k],
            text_commas(snap->summary[k].bytes, a, sizeof a),
            text_commas(snap->summary[k].blocks, b, sizeof b));
  fprintf(out, "==%d==         suppressed: %s bytes in %s blocks\n", pid,
          text_commas(snap->suppressed.bytes, a, sizeof a),
          text_commas(snap->suppressed.blocks, b, sizeof b));
}
