/*
 * gate/rules.h: the gate's rules evaluated over what its inputs said
 * (gate/rules.c), and the typed results every writer renders: stdout
 * (gate/text.c), assert_result.json (gate/json.c) and JUnit (gate/junit.c)
 * show the same offenders from the same data.
 *
 * Rule names (the "rule" field of assert_result.json and the JUnit test
 * names): leak_summary.<kind> (bytes), leak_summary.<kind>.blocks,
 * leak_summary.suppressed, baseline.max_growth_percent,
 * baseline.max_site_growth_percent, budget.max_inuse_bytes.
 */
#ifndef LEAKSCOPE_GATE_RULES_H
#define LEAKSCOPE_GATE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/growth.h"
#include "gate/config.h"
#include "gate/data.h"

/* What a rule lists as the worst cases behind its value. */
typedef enum {
  GATE_OFFENDER_RECORD,      /* a kept leak record with its stack (leak_summary.<kind>) */
  GATE_OFFENDER_SITE,        /* a site that grew against the baseline (baseline.*) */
  GATE_OFFENDER_SUPPRESSION, /* records suppressed under one name (leak_summary.suppressed) */
  GATE_OFFENDER_INPUT,       /* an input over the budget (budget.max_inuse_bytes) */
  GATE_OFFENDER_HOLDER       /* a root keeping still-reachable memory alive (retention) */
} gate_offender_kind;

/* One offender: what it is and where its data lives, which is never
 * copied (gate_data for records, suppressions, inputs and holders, the
 * results' baseline growth for sites). */
typedef struct {
  gate_offender_kind kind;
  union {
    const gate_record *record;
    const growth_site *site;
    const gate_supp *suppression;
    const gate_input *input;
    const gate_holder *holder;
  };
} gate_offender;

typedef struct {
  char rule[64];
  int is_percent;        /* value and limit are percentages (fvalue, flimit) */
  uint64_t value, limit;
  double fvalue, flimit;
  int infinite;          /* percent growth from nothing: no finite value */
  int pass;
  gate_offender *offenders; /* worst first, at most the config's count; owned */
  uint32_t noffenders;
  gate_offender *holders;   /* still_reachable rules: the largest roots holding it (kind
                             * GATE_OFFENDER_HOLDER), from inputs with retention; owned */
  uint32_t nholders;
} gate_result;

typedef struct {
  gate_result *r;
  uint32_t n;
  size_t cap;
  int pass;        /* every rule passed */
  growth baseline; /* the sites the baseline rules' offenders point at */
} gate_results;

/* Evaluate every rule of cfg.  0, or -1 with err when the inputs cannot
 * answer a rule (no profile for a baseline, blocks unknown, ...).  The
 * results point into d: free them before d. */
int gate_rules_eval(const gate_config *cfg, gate_data *d, gate_results *out, char *err,
                    size_t errlen);
void gate_rules_free(gate_results *res);

/* "value V > limit L" / "value V <= limit L" for a result, into buf. */
void gate_rules_verdict(const gate_result *r, char *buf, size_t buflen);

#endif
