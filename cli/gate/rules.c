/*
 * gate/rules.c: evaluate the gate's rules (see gate/rules.h): leak bytes
 * and blocks per kind, suppressed records, baseline growth (total and per
 * site, via growth), and the live-heap budget.
 */
#include "gate/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/growth.h"
#include "analyze/symbolize.h"
#include "read/load.h"
#include "util/vec.h"

static gate_result *add(gate_results *res, const char *rule) {
  if (vec_reserve(&res->r, &res->cap, (size_t)res->n + 1, sizeof *res->r) != 0) return NULL;
  gate_result *r = &res->r[res->n];
  memset(r, 0, sizeof *r);
  r->offenders = json_array();
  if (r->offenders == NULL) return NULL;
  res->n++;
  snprintf(r->rule, sizeof r->rule, "%s", rule);
  return r;
}

json_t *gate_rules_frame_json(const gate_frame *f) {
  json_t *o = json_object();
  char addr[32];
  snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)f->ip);
  json_object_set_new(o, "address", json_string(addr));
  if (f->fn) json_object_set_new(o, "function", json_string(f->fn));
  if (f->file) json_object_set_new(o, "file", json_string(f->file));
  if (f->line) json_object_set_new(o, "line", json_integer((json_int_t)f->line));
  if (f->obj) json_object_set_new(o, "object", json_string(f->obj));
  return o;
}

static json_t *u64_json(uint64_t v) {
  return v > INT64_MAX ? json_real((double)v) : json_integer((json_int_t)v);
}

static int record_offenders(gate_result *r, gate_data *d, snap_kind k, unsigned max) {
  uint32_t n;
  const gate_record *recs = gate_data_sorted(d, k, &n);
  for (uint32_t i = 0; i < n && i < max; i++) {
    const gate_record *rec = &recs[i];
    json_t *o = json_object(), *stack = json_array();
    if (o == NULL || stack == NULL) return -1;
    json_object_set_new(o, "bytes", u64_json(rec->bytes));
    if (rec->indirect_bytes) json_object_set_new(o, "indirect_bytes", u64_json(rec->indirect_bytes));
    json_object_set_new(o, "blocks", u64_json(rec->blocks));
    json_object_set_new(o, "input", json_string(d->inputs[rec->input].path));
    for (uint32_t j = 0; j < rec->nframes; j++)
      json_array_append_new(stack, gate_rules_frame_json(&rec->frames[j]));
    json_object_set_new(o, "stack", stack);
    json_array_append_new(r->offenders, o);
  }
  return 0;
}

static int by_bytes_held(const void *pa, const void *pb) {
  const gate_holder *a = pa, *b = pb;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return strcmp(a->root, b->root);
}

/* Who holds the still-reachable memory: the largest roots of the inputs
 * that carry retention (leakscope reports), at most max. */
static int reachable_holders(gate_result *r, gate_data *d, unsigned max) {
  if (d->nholders == 0) return 0;
  qsort(d->holders, d->nholders, sizeof *d->holders, by_bytes_held);
  if ((r->holders = json_array()) == NULL) return -1;
  for (uint32_t i = 0; i < d->nholders && i < max; i++) {
    const gate_holder *h = &d->holders[i];
    json_t *o = json_pack("{s:s,s:o,s:o,s:s}", "root", h->root, "retained_bytes", u64_json(h->bytes),
                          "retained_blocks", u64_json(h->blocks), "input", d->inputs[h->input].path);
    if (o == NULL || json_array_append_new(r->holders, o) != 0) return -1;
  }
  return 0;
}

static int by_count(const void *pa, const void *pb) {
  const gate_supp *a = pa, *b = pb;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  return strcmp(a->name, b->name);
}

static int leak_rules(const gate_config *cfg, gate_data *d, gate_results *res, char *err,
                      size_t errlen) {
  char name[64];
  for (int k = 0; k < SNAP_KIND_COUNT; k++) {
    const char *kn = snap_kind_name((snap_kind)k);
    if (cfg->bytes[k].set) {
      snprintf(name, sizeof name, "leak_summary.%s", kn);
      gate_result *r = add(res, name);
      if (r == NULL) return -1;
      r->value = d->kinds[k].bytes;
      r->limit = cfg->bytes[k].value;
      r->pass = r->value <= r->limit;
      if (record_offenders(r, d, (snap_kind)k, cfg->offenders) != 0) return -1;
      if (k == SNAP_REACHABLE && reachable_holders(r, d, cfg->offenders) != 0) return -1;
    }
    if (cfg->blocks[k].set) {
      if (d->blocks_unknown[k]) {
        snprintf(err, errlen,
                 "leak_summary.%s.blocks: an input has no %s records (run valgrind with "
                 "--show-leak-kinds=all)", kn, kn);
        return -2;
      }
      snprintf(name, sizeof name, "leak_summary.%s.blocks", kn);
      gate_result *r = add(res, name);
      if (r == NULL) return -1;
      r->value = d->kinds[k].blocks;
      r->limit = cfg->blocks[k].value;
      r->pass = r->value <= r->limit;
      if (record_offenders(r, d, (snap_kind)k, cfg->offenders) != 0) return -1;
      if (k == SNAP_REACHABLE && reachable_holders(r, d, cfg->offenders) != 0) return -1;
    }
  }
  if (cfg->suppressed.set) {
    gate_result *r = add(res, "leak_summary.suppressed");
    if (r == NULL) return -1;
    r->value = d->suppressed_records;
    r->limit = cfg->suppressed.value;
    r->pass = r->value <= r->limit;
    if (d->nsupps > 1) qsort(d->supps, d->nsupps, sizeof *d->supps, by_count);
    for (uint32_t i = 0; i < d->nsupps && i < cfg->offenders; i++) {
      json_t *o = json_object();
      if (o == NULL) return -1;
      json_object_set_new(o, "suppression", json_string(d->supps[i].name));
      json_object_set_new(o, "count", u64_json(d->supps[i].count));
      json_array_append_new(r->offenders, o);
    }
  }
  return 0;
}

static json_t *site_json(const growth_site *s) {
  json_t *o = json_object(), *frames = json_array();
  char frame[1024];
  json_object_set_new(o, "growth_bytes", json_integer(s->now - s->base));
  json_object_set_new(o, "base_bytes", json_integer(s->base));
  json_object_set_new(o, "new_bytes", json_integer(s->now));
  for (unsigned i = 0; growth_frame(s->key, i, frame, sizeof frame) == 0; i++)
    json_array_append_new(frames, json_string(frame));
  json_object_set_new(o, "frames", frames);
  return o;
}

static int baseline_rules(const gate_config *cfg, gate_data *d, gate_results *res, char *err,
                          size_t errlen) {
  if (d->nprofiles == 0) {
    snprintf(err, errlen,
             "the baseline rule needs a heap profile or raw snapshot among the inputs");
    return -2;
  }
  snapshot *base = load_snapshot(cfg->baseline_profile, err, errlen);
  if (base == NULL) return -2;
  if (!base->symbolized && symbolize_snapshot(base, err, errlen) != 0) {
    snap_free(base);
    return -2;
  }
  growth g;
  int rc = growth_compute(&base, 1, d->profiles, d->nprofiles, SAMPLE_INUSE_SPACE, &g, err,
                               errlen);
  snap_free(base);
  if (rc != 0) return -1;
  rc = -1;
  if (cfg->has_growth) {
    gate_result *r = add(res, "baseline.max_growth_percent");
    if (r == NULL) goto out;
    r->is_percent = 1;
    r->fvalue = growth_percent(g.base_total, g.new_total, &r->infinite);
    r->flimit = cfg->max_growth_percent;
    r->value = g.new_total > 0 ? (uint64_t)g.new_total : 0;
    r->pass = !r->infinite && r->fvalue <= r->flimit;
    for (uint32_t i = 0; i < g.n && i < cfg->top && g.sites[i].now > g.sites[i].base; i++)
      json_array_append_new(r->offenders, site_json(&g.sites[i]));
  }
  if (cfg->has_site_growth) {
    gate_result *r = add(res, "baseline.max_site_growth_percent");
    if (r == NULL) goto out;
    r->is_percent = 1;
    r->flimit = cfg->max_site_growth_percent;
    int64_t worst = g.n > 0 && g.sites[0].now > g.sites[0].base ? g.sites[0].now - g.sites[0].base
                                                                 : 0;
    /* Site growth is measured against the baseline's whole heap. */
    r->fvalue = growth_percent(g.base_total, g.base_total + worst, &r->infinite);
    r->pass = !r->infinite && r->fvalue <= r->flimit;
    for (uint32_t i = 0; i < g.n && i < cfg->top && g.sites[i].now > g.sites[i].base; i++)
      json_array_append_new(r->offenders, site_json(&g.sites[i]));
  }
  rc = 0;
out:
  growth_free(&g);
  return rc;
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
  for (uint32_t i = 0; i < norder && i < cfg->offenders; i++) {
    json_t *o = json_object();
    json_object_set_new(o, "input", json_string(d->inputs[order[i]].path));
    json_object_set_new(o, "inuse_bytes", u64_json(d->inputs[order[i]].inuse_bytes));
    json_array_append_new(r->offenders, o);
  }
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
    json_decref(res->r[i].offenders);
    json_decref(res->r[i].holders);
  }
  free(res->r);
  memset(res, 0, sizeof *res);
}
