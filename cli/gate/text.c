/*
 * gate/text.c: the gate's verdicts on stdout (see gate/output.h): a line
 * per rule, naming the inputs behind a failed one; under it its worst
 * offender (a leak record with its first frames, a growing site, a
 * suppression, an input over the budget) and, under a failed
 * still_reachable rule, the roots holding the memory (the first
 * GATE_TEXT_HOLDERS); then the overall verdict.
 */
#include "gate/output.h"

#include <inttypes.h>
#include <string.h>

#include "util/text.h"

#define GATE_TEXT_HOLDERS 3
#define GATE_TEXT_FRAMES 4 /* frames of the worst record shown */

/* "fn (file:line) < fn (file:line) < ..." of a record's first frames. */
static void gate_text_frames(const gate_record *rec, char *buf, size_t len) {
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < rec->nframes && i < GATE_TEXT_FRAMES; i++) {
    const gate_frame *f = &rec->frames[i];
    if (i > 0) text_append(buf, len, &at, " < ");
    if (f->fn == NULL) text_append(buf, len, &at, "0x%" PRIx64, f->ip);
    else text_append(buf, len, &at, "%s", f->fn);
    if (f->file != NULL && f->line > 0) text_append(buf, len, &at, " (%s:%" PRIu64 ")", text_basename(f->file), f->line);
    else if (f->fn == NULL && f->obj != NULL) text_append(buf, len, &at, " (in %s)", text_basename(f->obj));
  }
  if (rec->nframes > GATE_TEXT_FRAMES) text_append(buf, len, &at, " < ...");
  if (rec->nframes == 0) text_append(buf, len, &at, "(no stack)");
}

/* The inputs of the rule's offenders, or all inputs when they say none. */
static void gate_text_inputs(const gate_result *r, const gate_data *d, char *buf, size_t len) {
  size_t at = 0;
  int named = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < d->ninputs; i++) {
    int used = r->noffenders == 0 || (r->offenders[0].kind != GATE_OFFENDER_RECORD &&
                                      r->offenders[0].kind != GATE_OFFENDER_INPUT);
    for (uint32_t o = 0; !used && o < r->noffenders; o++)
      used = (r->offenders[o].kind == GATE_OFFENDER_RECORD && r->offenders[o].record->input == i) ||
             (r->offenders[o].kind == GATE_OFFENDER_INPUT && r->offenders[o].input == &d->inputs[i]);
    if (!used) continue;
    text_append(buf, len, &at, "%s%s", named++ ? ", " : "", d->inputs[i].path);
  }
}

static void gate_text_offender(FILE *out, const gate_offender *of, const gate_data *d) {
  char a[32], b[32], frames[1024];
  switch (of->kind) {
  case GATE_OFFENDER_RECORD: {
    const gate_record *rec = of->record;
    gate_text_frames(rec, frames, sizeof frames);
    fprintf(out, "  worst: %s bytes in %s blocks (%s) at %s\n", text_commas(rec->bytes + rec->indirect_bytes, a, sizeof a),
            text_commas(rec->blocks, b, sizeof b), d->inputs[rec->input].path, frames);
    break;
  }
  case GATE_OFFENDER_SITE: {
    const growth_site *s = of->site;
    size_t at = 0;
    frames[0] = '\0';
    char frame[512];
    for (unsigned i = 0; i < GATE_TEXT_FRAMES && growth_frame(s->key, i, frame, sizeof frame) == 0; i++)
      text_append(frames, sizeof frames, &at, "%s%s", i ? " < " : "", frame);
    fprintf(out, "  worst: +%s bytes at %s\n", text_commas((uint64_t)(s->now - s->base), a, sizeof a),
            frames[0] ? frames : "(empty stack)");
    break;
  }
  case GATE_OFFENDER_SUPPRESSION:
    fprintf(out, "  worst: %s records suppressed by %s\n", text_commas(of->suppression->count, a, sizeof a),
            of->suppression->name);
    break;
  case GATE_OFFENDER_INPUT:
    fprintf(out, "  worst: %s with %s bytes in use\n", of->input->path, text_commas(of->input->inuse_bytes, a, sizeof a));
    break;
  case GATE_OFFENDER_HOLDER: break;
  }
}

void gate_text_write(FILE *out, const gate_results *res, const gate_data *d) {
  for (uint32_t i = 0; i < res->n; i++) {
    const gate_result *r = &res->r[i];
    char verdict[200], inputs[1024];
    gate_rules_verdict(r, verdict, sizeof verdict);
    if (r->pass) {
      fprintf(out, "PASS %s: %s\n", r->rule, verdict);
      continue;
    }
    gate_text_inputs(r, d, inputs, sizeof inputs);
    fprintf(out, "FAIL %s: %s (%s)\n", r->rule, verdict, inputs);
    if (r->noffenders > 0) gate_text_offender(out, &r->offenders[0], d);
    for (uint32_t h = 0; h < r->nholders && h < GATE_TEXT_HOLDERS; h++) {
      const gate_holder *o = r->holders[h].holder;
      fprintf(out, "  held by %s: %" PRIu64 " bytes in %" PRIu64 " blocks (%s)\n", o->root, o->bytes,
              o->blocks, d->inputs[o->input].path);
    }
  }
  fprintf(out, "gate: %s\n", res->pass ? "PASS" : "FAIL");
}
