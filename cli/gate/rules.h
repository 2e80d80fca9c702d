/*
 * gate/rules.h: the gate's rules evaluated over what its inputs said.
 *
 * Rule names (the "rule" field of assert_result.json and the JUnit test
 * names): leak_summary.<kind> (bytes), leak_summary.<kind>.blocks,
 * leak_summary.suppressed, baseline.max_growth_percent,
 * baseline.max_site_growth_percent, budget.max_inuse_bytes.  Each result
 * carries its worst offenders as a JSON array (jansson) in the shape of
 * assert_result.json.
 */
#ifndef LEAKSCOPE_GATE_RULES_H
#define LEAKSCOPE_GATE_RULES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gate/config.h"
#include "gate/data.h"

typedef struct {
  char rule[64];
  int is_percent;        /* value and limit are percentages (fvalue, flimit) */
  uint64_t value, limit;
  double fvalue, flimit;
  int infinite;          /* percent growth from nothing: no finite value */
  int pass;
  json_t *offenders;     /* array, possibly empty; owned */
  json_t *holders;       /* still_reachable rules: the roots holding it (retention), or NULL; owned */
} gate_result;

typedef struct {
  gate_result *r;
  uint32_t n;
  size_t cap;
  int pass; /* every rule passed */
} gate_results;

/* Evaluate every rule of cfg.  0, or -1 with err when the inputs cannot
 * answer a rule (no profile for a baseline, blocks unknown, ...). */
int gate_rules_eval(const gate_config *cfg, gate_data *d, gate_results *out, char *err,
                    size_t errlen);
void gate_rules_free(gate_results *res);

/* One frame as assert_result.json writes it. */
json_t *gate_rules_frame_json(const gate_frame *f);

#endif
