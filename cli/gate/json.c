/*
 * gate/json.c: assert_result.json, schema leakscope-gate/1 (docs/REPORT.md):
 * the overall status, the inputs, and one entry per rule with its value,
 * limit, status, worst offenders and (still_reachable rules) holders.
 */
#include "gate/output.h"

#include <jansson.h>
#include <stdio.h>

#include "render/json.h"
#include "util/jsontree.h"

static json_t *number(uint64_t v) { return jsontree_u64(v); }

/* One frame of a leak record's stack. */
static json_t *frame_json(const gate_frame *f) {
  json_t *o = json_object();
  char addr[32];
  snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)f->ip);
  json_object_set_new(o, "address", json_string(addr));
  if (f->fn) json_object_set_new(o, "function", json_string(f->fn));
  if (f->file) json_object_set_new(o, "file", json_string(f->file));
  if (f->line) json_object_set_new(o, "line", jsontree_u64(f->line));
  if (f->obj) json_object_set_new(o, "object", json_string(f->obj));
  return o;
}

/* One offender in the shape of its kind; NULL when out of memory. */
static json_t *offender_json(const gate_offender *of, const gate_data *d) {
  json_t *o;
  switch (of->kind) {
  case GATE_OFFENDER_RECORD: {
    const gate_record *rec = of->record;
    json_t *stack = json_array();
    o = json_object();
    if (o == NULL || stack == NULL) {
      json_decref(o);
      json_decref(stack);
      return NULL;
    }
    json_object_set_new(o, "bytes", number(rec->bytes));
    if (rec->indirect_bytes) json_object_set_new(o, "indirect_bytes", number(rec->indirect_bytes));
    json_object_set_new(o, "blocks", number(rec->blocks));
    json_object_set_new(o, "input", json_string(d->inputs[rec->input].path));
    for (uint32_t j = 0; j < rec->nframes; j++) json_array_append_new(stack, frame_json(&rec->frames[j]));
    json_object_set_new(o, "stack", stack);
    return o;
  }
  case GATE_OFFENDER_SITE: {
    const growth_site *s = of->site;
    json_t *frames = json_array();
    char frame[1024];
    o = json_object();
    json_object_set_new(o, "growth_bytes", json_integer(s->now - s->base));
    json_object_set_new(o, "base_bytes", json_integer(s->base));
    json_object_set_new(o, "new_bytes", json_integer(s->now));
    for (unsigned i = 0; growth_frame(s->key, i, frame, sizeof frame) == 0; i++)
      json_array_append_new(frames, json_string(frame));
    json_object_set_new(o, "frames", frames);
    return o;
  }
  case GATE_OFFENDER_SUPPRESSION:
    o = json_object();
    if (o == NULL) return NULL;
    json_object_set_new(o, "suppression", json_string(of->suppression->name));
    json_object_set_new(o, "count", number(of->suppression->count));
    return o;
  case GATE_OFFENDER_INPUT:
    o = json_object();
    json_object_set_new(o, "input", json_string(of->input->path));
    json_object_set_new(o, "inuse_bytes", number(of->input->inuse_bytes));
    return o;
  case GATE_OFFENDER_HOLDER: {
    const gate_holder *h = of->holder;
    return json_pack("{s:s,s:o,s:o,s:s}", "root", h->root, "retained_bytes", number(h->bytes),
                     "retained_blocks", number(h->blocks), "input", d->inputs[h->input].path);
  }
  }
  return NULL;
}

/* An array of offenders; NULL when out of memory (a holder that JSON
 * cannot carry counts as that too). */
static json_t *offenders_json(const gate_offender *list, uint32_t n, const gate_data *d) {
  json_t *a = json_array();
  for (uint32_t i = 0; a != NULL && i < n; i++) {
    json_t *o = offender_json(&list[i], d);
    if (o == NULL && list[i].kind == GATE_OFFENDER_HOLDER) {
      json_decref(a);
      return NULL;
    }
    json_array_append_new(a, o);
  }
  return a;
}

int gate_json_write(const gate_results *res, const gate_data *d, FILE *f, const char *name,
                    char *err, size_t errlen) {
  json_t *root = json_object(), *inputs = json_array(), *rules = json_array();
  if (root == NULL || inputs == NULL || rules == NULL) {
    json_decref(root);
    json_decref(inputs);
    json_decref(rules);
    goto oom;
  }
  json_object_set_new(root, "schema", json_string("leakscope-gate/1"));
  json_object_set_new(root, "status", json_string(res->pass ? "pass" : "fail"));
  json_object_set_new(root, "inputs", inputs);
  json_object_set_new(root, "rules", rules);
  for (uint32_t i = 0; i < d->ninputs; i++)
    json_array_append_new(inputs, json_string(d->inputs[i].path));
  for (uint32_t i = 0; i < res->n; i++) {
    const gate_result *r = &res->r[i];
    json_t *o = json_object();
    if (o == NULL || json_array_append_new(rules, o) != 0) {
      json_decref(root);
      goto oom;
    }
    json_object_set_new(o, "rule", json_string(r->rule));
    if (r->is_percent) {
      json_object_set_new(o, "value", r->infinite ? json_null() : json_real(r->fvalue));
      json_object_set_new(o, "limit", json_real(r->flimit));
      json_object_set_new(o, "unit", json_string("percent"));
    } else {
      json_object_set_new(o, "value", number(r->value));
      json_object_set_new(o, "limit", number(r->limit));
    }
    json_object_set_new(o, "status", json_string(r->pass ? "pass" : "fail"));
    json_t *offenders = r->noffenders ? offenders_json(r->offenders, r->noffenders, d) : NULL;
    json_t *holders = r->nholders ? offenders_json(r->holders, r->nholders, d) : NULL;
    if ((r->noffenders && offenders == NULL) || (r->nholders && holders == NULL)) {
      json_decref(offenders);
      json_decref(holders);
      json_decref(root);
      goto oom;
    }
    if (json_array_size(offenders) > 0) json_object_set(o, "offenders", offenders);
    if (json_array_size(holders) > 0) json_object_set(o, "holders", holders);
    json_decref(offenders);
    json_decref(holders);
  }
  return render_json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER, name, err, errlen);
oom:
  snprintf(err, errlen, "out of memory");
  return -1;
}
