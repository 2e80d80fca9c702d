/*
 * gate/text.c: the gate's verdicts on stdout (see gate/output.h): a line
 * per rule, the roots holding still-reachable memory under a failed
 * still_reachable rule (the first GATE_TEXT_HOLDERS), the overall verdict.
 */
#include "gate/output.h"

#include <inttypes.h>

#define GATE_TEXT_HOLDERS 3

void gate_text_write(FILE *out, const gate_results *res, const gate_data *d) {
  for (uint32_t i = 0; i < res->n; i++) {
    const gate_result *r = &res->r[i];
    char verdict[200];
    gate_rules_verdict(r, verdict, sizeof verdict);
    fprintf(out, "%s %s: %s\n", r->pass ? "PASS" : "FAIL", r->rule, verdict);
    for (uint32_t h = 0; !r->pass && h < r->nholders && h < GATE_TEXT_HOLDERS; h++) {
      const gate_holder *o = r->holders[h].holder;
      fprintf(out, "  held by %s: %" PRIu64 " bytes in %" PRIu64 " blocks (%s)\n", o->root, o->bytes,
              o->blocks, d->inputs[o->input].path);
    }
  }
  fprintf(out, "gate: %s\n", res->pass ? "pass" : "FAIL");
}
