/*
 * gate/json.c: assert_result.json, schema leakscope-gate/1 (DESIGN.md):
 * the overall status, the inputs, and one entry per rule with its value,
 * limit, status and worst offenders.
 */
#include "gate/output.h"

#include <jansson.h>
#include <stdio.h>

void gate_json_verdict(const gate_result *r, char *buf, size_t buflen) {
  const char *op = r->pass ? "<=" : ">";
  if (r->is_percent && r->infinite)
    snprintf(buf, buflen, "growth from an empty baseline > limit %g%%", r->flimit);
  else if (r->is_percent)
    snprintf(buf, buflen, "value %.2f%% %s limit %g%%", r->fvalue, op, r->flimit);
  else
    snprintf(buf, buflen, "value %llu %s limit %llu", (unsigned long long)r->value, op,
             (unsigned long long)r->limit);
}

static json_t *number(uint64_t v) {
  return v > INT64_MAX ? json_real((double)v) : json_integer((json_int_t)v);
}

int gate_json_write(const gate_results *res, const gate_data *d, const char *path, char *err,
                    size_t errlen) {
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
    if (json_array_size(r->offenders) > 0) json_object_set(o, "offenders", r->offenders);
    if (json_array_size(r->holders) > 0) json_object_set(o, "holders", r->holders);
  }
  int rc = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (rc != 0) {
    snprintf(err, errlen, "cannot write %s", path);
    return -1;
  }
  return 0;
oom:
  snprintf(err, errlen, "out of memory");
  return -1;
}
