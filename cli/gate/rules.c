/*
 * gate/rules.c: evaluate the gate's rules (see gate/rules.h): leak bytes
 * and blocks per kind, suppressed records, baseline growth (total and per
 * site, via analyze/growth), and the live-heap budget; each result with
 * its typed offenders.
 */
#include "gate/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/prepare.h"
#include "util/msg.h"
#include "util/vec.h"

static gate_result *add(gate_results *res, const char *rule) {
  if (vec_reserve(&res->r, &res->cap, (size_t)res->n + 1, sizeof *res->r) != 0) return NULL;
  gate_result *r = &res->r[res->n++];
  memset(r, 0, sizeof *r);
  snprintf(r->rule, sizeof r->rule, "%s", rule);
  return r;
}

/* Room for max offenders in list; 0 or -1 (out of memory). */
static int reserve(gate_offender **list, size_t max) {
  *list = malloc((max ? max : 1) * sizeof **list);
  return *list ? 0 : -1;
}

static int record_offenders(gate_result *r, gate_data *d, snap_kind k, unsigned max) {
  uint32_t n;
  const gate_record *recs = gate_data_sorted(d, k, &n);
  if (reserve(&r->offenders, n < max ? n : max) != 0) return -1;
  for (uint32_t i = 0; i < n && i < max; i++)
    r->offenders[r->noffenders++] = (gate_offender){.kind = GATE_OFFENDER_RECORD, .record = &recs[i]};
  return 0;
}

static int by_bytes_held(const void *pa, const void *pb) {
  const gate_holder *a = pa, *b = pb;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return strcmp(a->root, b->root);
}

/* Who holds the still-reachable memory: the largest roots of the inputs
 * that carry retention (leakscope reports), at most max. */
static int reachable_holders(gate_result *r, const gate_data *d, unsigned max) {
  uint32_t n = d->nholders < max ? d->nholders : max;
  if (n == 0) return 0;
  if (reserve(&r->holders, n) != 0) return -1;
  for (uint32_t i = 0; i < n; i++)
    r->holders[r->nholders++] = (gate_offender){.kind = GATE_OFFENDER_HOLDER, .holder = &d->holders[i]};
  return 0;
}

static int by_count(const void *pa, const void *pb) {
  const gate_supp *a = pa, *b = pb;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  return strcmp(a->name, b->name);
}

/* leak_summary.<kind>[.blocks]: value against limit, with the kind's
 * worst records and, for still-reachable memory, its holders. */
static int leak_rule(gate_results *res, gate_data *d, const gate_config *cfg, snap_kind k,
                     const char *name, uint64_t value, uint64_t limit) {
  gate_result *r = add(res, name);
  if (r == NULL) return -1;
  r->value = value;
  r->limit = limit;
  r->pass = r->value <= r->limit;
  if (record_offenders(r, d, k, cfg->offenders) != 0) return -1;
  if (k == SNAP_REACHABLE && reachable_holders(r, d, cfg->offenders) != 0) return -1;
  return 0;
}

/* Leak rules need a leak check: every report among the inputs must carry
 * one (a sample-mode report does not), and so must one input at least
 * (profiles alone have none).  0, or -2 with err naming the input. */
static int leak_inputs_checked(const gate_data *d, char *err, size_t errlen) {
  const gate_input *unchecked = NULL;
  int any = 0;
  for (uint32_t i = 0; i < d->ninputs; i++) {
    const gate_input *in = &d->inputs[i];
    if (in->has_leak_check) any = 1;
    else if (unchecked == NULL || strcmp(unchecked->format, "report") != 0) unchecked = in;
  }
  if (any && (unchecked == NULL || strcmp(unchecked->format, "report") != 0)) return 0;
  snprintf(err, errlen,
           "leak rules need a leak check, and %s has none (a %s-mode %s): run the program in full mode "
           "(leakscope run --report FILE, without --sample) or give Valgrind XML",
           unchecked->path, unchecked->mode ? unchecked->mode : "sample", unchecked->format);
  return -2;
}

static int leak_rules(const gate_config *cfg, gate_data *d, gate_results *res, char *err,
                      size_t errlen) {
  char name[64];
  int any_rule = cfg->suppressed.set;
  for (int k = 0; k < SNAP_KIND_COUNT; k++) any_rule |= cfg->bytes[k].set | cfg->blocks[k].set;
  if (any_rule && d->ninputs > 0 && leak_inputs_checked(d, err, errlen) != 0) return -2;
  if (d->nholders > 1) qsort(d->holders, d->nholders, sizeof *d->holders, by_bytes_held);
  for (int k = 0; k < SNAP_KIND_COUNT; k++) {
    const char *kn = snap_kind_name((snap_kind)k);
    if (cfg->bytes[k].set) {
      snprintf(name, sizeof name, "leak_summary.%s", kn);
      if (leak_rule(res, d, cfg, (snap_kind)k, name, d->kinds[k].bytes, cfg->bytes[k].value) != 0) return -1;
    }
    if (cfg->blocks[k].set) {
      if (d->blocks_unknown[k]) {
        snprintf(err, errlen,
                 "leak_summary.%s.blocks: an input has no %s records (run valgrind with "
                 "--show-leak-kinds=all)", kn, kn);
        return -2;
      }
      snprintf(name, sizeof name, "leak_summary.%s.blocks", kn);
      if (leak_rule(res, d, cfg, (snap_kind)k, name, d->kinds[k].blocks, cfg->blocks[k].value) != 0)
        return -1;
    }
  }
  if (cfg->suppressed.set) {
    gate_result *r = add(res, "leak_summary.suppressed");
    if (r == NULL) return -1;
    r->value = d->suppressed_records;
    r->limit = cfg->suppressed.value;
    r->pass = r->value <= r->limit;
    if (d->nsupps > 1) qsort(d->supps, d->nsupps, sizeof *d->supps, by_count);
    if (reserve(&r->offenders, d->nsupps < cfg->offenders ? d->nsupps : cfg->offenders) != 0) return -1;
    for (uint32_t i = 0; i < d->nsupps && i < cfg->offenders; i++)
      r->offenders[r->noffenders++] =
          (gate_offender){.kind = GATE_OFFENDER_SUPPRESSION, .suppression = &d->supps[i]};
  }
  return 0;
}

/* The growing sites of the baseline, at most top of them. */
static int site_offenders(gate_result *r, const growth *g, unsigned top) {
  if (reserve(&r->offenders, g->n < top ? g->n : top) != 0) return -1;
  for (uint32_t i = 0; i < g->n && i < top && g->sites[i].now > g->sites[i].base; i++)
    r->offenders[r->noffenders++] = (gate_offender){.kind = GATE_OFFENDER_SITE, .site = &g->sites[i]};
  return 0;
}

static int baseline_rules(const gate_config *cfg, gate_data *d, gate_results *res, char *err,
                          size_t errlen) {
  if (d->nprofiles == 0) {
    snprintf(err, errlen,
             "the baseline rule needs a heap profile or raw snapshot among the inputs");
    return -2;
  }
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  snapshot *base = prepare_load(cfg->baseline_profile, &p, err, errlen);
  if (base == NULL) return -2;
  const char *base_program = snap_program(base);
  for (uint32_t i = 0; i < d->nprofiles && base_program != NULL; i++) {
    const char *program = snap_program(d->profiles[i]);
    if (program != NULL && strcmp(program, base_program) != 0) {
      warnf("gate: the baseline %s comes from %s and an input from %s: the sites of two programs rarely match",
            cfg->baseline_profile, base_program, program);
      break;
    }
  }
  growth *g = &res->baseline;
  int rc = growth_compute(&base, 1, d->profiles, d->nprofiles, SAMPLE_INUSE_SPACE, g, err, errlen);
  snap_free(base);
  if (rc != 0) return -1;
  if (cfg->has_growth) {
    gate_result *r = add(res, "baseline.max_growth_percent");
    if (r == NULL) return -1;
    r->is_percent = 1;
    r->fvalue = growth_percent(g->base_total, g->new_total, &r->infinite);
    r->flimit = cfg->max_growth_percent;
    r->value = g->new_total > 0 ? (uint64_t)g->new_total : 0;
    r->pass = !r->infinite && r->fvalue <= r->flimit;
    if (site_offenders(r, g, cfg->top) != 0) return -1;
  }
  if (cfg->has_site_growth) {
    gate_result *r = add(res, "baseline.max_site_growth_percent");
    if (r == NULL) return -1;
    r->is_percent = 1;
    r->flimit = cfg->max_site_growth_percent;
    int64_t worst = g->n > 0 && g->sites[0].now > g->sites[0].base ? g->sites[0].now - g->sites[0].base
                                                                   : 0;
    /* Site growth is measured against the baseline's whole heap. */
    r->fvalue = growth_percent(g->base_total, g->base_total + worst, &r->infinite);
    r->pass = !r->infinite && r->fvalue <= r->flimit;
    if (site_offenders(r, g, cfg->top) != 0) return -1;
  }
  return 0;
}

static int budget_rule(const gate_config *cfg, gate_data *d, gate_results *res, char *err,
                       size_t errlen) {
  gate_result *r = add(res, "budget.max_inuse_bytes");
  if (r == NULL) return -1;
  r->limit = cfg->max_inuse_bytes;
  int any = 0;
  uint32_t order[64];
  uint32_t norder = 0;
  for (uint32_t i = 0; i < d->ninputs; i++) {
    const gate_input *in = &d->inputs[i];
    if (!in->has_inuse) continue;
    if (!any || in->inuse_bytes > r->value) r->value = in->inuse_bytes;
    any = 1;
    /* keep the inputs over the limit, largest first, for the offenders */
    if (in->inuse_bytes <= r->limit || norder >= 64) continue;
    uint32_t j = norder++;
    while (j > 0 && d->inputs[order[j - 1]].inuse_bytes < in->inuse_bytes) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  if (!any) {
    snprintf(err, errlen,
             "the budget rule needs the live heap of an input (a report, profile, raw snapshot "
             "or protocol 6 Valgrind XML)");
    return -2;
  }
  r->pass = r->value <= r->limit;
  if (reserve(&r->offenders, norder < cfg->offenders ? norder : cfg->offenders) != 0) return -1;
  for (uint32_t i = 0; i < norder && i < cfg->offenders; i++)
    r->offenders[r->noffenders++] = (gate_offender){.kind = GATE_OFFENDER_INPUT, .input = &d->inputs[order[i]]};
  return 0;
}

int gate_rules_eval(const gate_config *cfg, gate_data *d, gate_results *out, char *err,
                    size_t errlen) {
  memset(out, 0, sizeof *out);
  int rc = leak_rules(cfg, d, out, err, errlen);
  if (rc == 0 && cfg->baseline_profile != NULL) rc = baseline_rules(cfg, d, out, err, errlen);
  if (rc == 0 && cfg->has_budget) rc = budget_rule(cfg, d, out, err, errlen);
  if (rc != 0) {
    if (rc == -1) snprintf(err, errlen, "out of memory");
    gate_rules_free(out);
    return -1;
  }
  out->pass = 1;
  for (uint32_t i = 0; i < out->n; i++)
    if (!out->r[i].pass) out->pass = 0;
  return 0;
}

void gate_rules_free(gate_results *res) {
  for (uint32_t i = 0; i < res->n; i++) {
    free(res->r[i].offenders);
    free(res->r[i].holders);
  }
  free(res->r);
  growth_free(&res->baseline);
  memset(res, 0, sizeof *res);
}

void gate_rules_verdict(const gate_result *r, char *buf, size_t buflen) {
  const char *op = r->pass ? "<=" : ">";
  if (r->is_percent && r->infinite)
    snprintf(buf, buflen, "growth from an empty baseline > limit %g%%", r->flimit);
  else if (r->is_percent)
    snprintf(buf, buflen, "value %.2f%% %s limit %g%%", r->fvalue, op, r->flimit);
  else
    snprintf(buf, buflen, "value %llu %s limit %llu", (unsigned long long)r->value, op,
             (unsigned long long)r->limit);
}
