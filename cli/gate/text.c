/*
 * gate/text.c: the gate's verdicts on stdout (see gate/output.h): a line
 * per rule, naming the inputs behind a failed one; under it its worst
 * offender (a leak record or a growing site with its first frames, as
 * many as --depth says, GATE_TEXT_DEPTH by default; a suppression, an
 * input over the budget) and, under a failed
 * still_reachable rule, the roots holding the memory (the first
 * GATE_TEXT_HOLDERS); then the overall verdict.
 */
#include "gate/output.h"

#include <inttypes.h>
#include <string.h>

#include "util/text.h"

#define GATE_TEXT_HOLDERS 3

/* "fn (file:line) < fn (file:line) < ..." of a record's first depth
 * frames (0: all of them). */
static void gate_text_frames(FILE *out, const gate_record *rec, unsigned depth) {
  uint32_t shown = depth == 0 || rec->nframes < depth ? rec->nframes : depth;
  for (uint32_t i = 0; i < shown; i++) {
    const gate_frame *f = &rec->frames[i];
    if (i > 0) fputs(" < ", out);
    if (f->fn == NULL) fprintf(out, "0x%" PRIx64, f->ip);
    else fputs(f->fn, out);
    if (f->file != NULL && f->line > 0) fprintf(out, " (%s:%" PRIu64 ")", text_basename(f->file), f->line);
    else if (f->fn == NULL && f->obj != NULL) fprintf(out, " (in %s)", text_basename(f->obj));
  }
  if (rec->nframes > shown) fputs(" < ...", out);
  if (rec->nframes == 0) fputs("(no stack)", out);
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

static void gate_text_offender(FILE *out, const gate_offender *of, const gate_data *d, unsigned depth) {
  char a[32], b[32];
  switch (of->kind) {
  case GATE_OFFENDER_RECORD: {
    const gate_record *rec = of->record;
    fprintf(out, "  worst: %s bytes in %s blocks (%s) at ", text_commas(rec->bytes + rec->indirect_bytes, a, sizeof a),
            text_commas(rec->blocks, b, sizeof b), d->inputs[rec->input].path);
    gate_text_frames(out, rec, depth);
    fputc('\n', out);
    break;
  }
  case GATE_OFFENDER_SITE: {
    const growth_site *s = of->site;
    char frame[512];
    fprintf(out, "  worst: +%s bytes at ", text_commas((uint64_t)(s->now - s->base), a, sizeof a));
    unsigned i = 0;
    for (; (depth == 0 || i < depth) && growth_frame(s->key, i, frame, sizeof frame) == 0; i++)
      fprintf(out, "%s%s", i ? " < " : "", frame);
    if (i == 0) fputs("(empty stack)", out);
    fputc('\n', out);
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

void gate_text_write(FILE *out, const gate_results *res, const gate_data *d, unsigned depth) {
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
    if (r->noffenders > 0) gate_text_offender(out, &r->offenders[0], d, depth);
    for (uint32_t h = 0; h < r->nholders && h < GATE_TEXT_HOLDERS; h++) {
      const gate_holder *o = r->holders[h].holder;
      fprintf(out, "  held by %s: %" PRIu64 " bytes in %" PRIu64 " blocks (%s)\n", o->root, o->bytes,
              o->blocks, d->inputs[o->input].path);
    }
  }
  fprintf(out, "gate: %s\n", res->pass ? "PASS" : "FAIL");
}
