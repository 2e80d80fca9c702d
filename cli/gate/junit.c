/*
 * gate/junit.c: JUnit XML for CI systems that show test reports: one
 * testsuite "leakscope.gate", one testcase per rule; a breached rule has a
 * <failure> whose text lists the offenders (stacks, growing sites,
 * suppressions or inputs).
 */

#include <jansson.h>
#include <stdio.h>

#include "gate/output.h"
#include "util/text.h"

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static long long num(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

/* One offender as text lines. */
static void put_offender(FILE *f, const json_t *o) {
  char line[1200];
  if (str(o, "suppression")) {
    snprintf(line, sizeof line, "%lld records suppressed by %s\n", num(o, "count"),
             str(o, "suppression"));
    text_xml_put(f, line, TEXT_XML_APOS);
    return;
  }
  if (json_object_get(o, "inuse_bytes")) {
    snprintf(line, sizeof line, "%s: %lld bytes in use\n", str(o, "input"), num(o, "inuse_bytes"));
    text_xml_put(f, line, TEXT_XML_APOS);
    return;
  }
  const json_t *frames = json_object_get(o, "frames");
  if (frames != NULL) {
    snprintf(line, sizeof line, "%+lld bytes (%lld -> %lld) at:\n", num(o, "growth_bytes"),
             num(o, "base_bytes"), num(o, "new_bytes"));
    text_xml_put(f, line, TEXT_XML_APOS);
    size_t i;
    const json_t *fr;
    json_array_foreach(frames, i, fr) {
      snprintf(line, sizeof line, "    %s\n", json_string_value(fr));
      text_xml_put(f, line, TEXT_XML_APOS);
    }
    return;
  }
  snprintf(line, sizeof line, "%lld bytes in %lld blocks (%s) at:\n", num(o, "bytes"),
           num(o, "blocks"), str(o, "input") ? str(o, "input") : "?");
  text_xml_put(f, line, TEXT_XML_APOS);
  size_t i;
  const json_t *fr;
  json_array_foreach(json_object_get(o, "stack"), i, fr) {
    if (str(fr, "file"))
      snprintf(line, sizeof line, "    %s (%s:%lld)\n", str(fr, "function") ? str(fr, "function") : "??",
               str(fr, "file"), num(fr, "line"));
    else
      snprintf(line, sizeof line, "    %s (%s)\n", str(fr, "function") ? str(fr, "function") : "??",
               str(fr, "object") ? str(fr, "object") : str(fr, "address"));
    text_xml_put(f, line, TEXT_XML_APOS);
  }
}

int gate_junit_write(const gate_results *res, const gate_data *d, const char *path, char *err,
                     size_t errlen) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    snprintf(err, errlen, "cannot write %s", path);
    return -1;
  }
  unsigned failures = 0;
  for (uint32_t i = 0; i < res->n; i++) failures += !res->r[i].pass;
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<testsuites name=\"leakscope gate\" tests=\"%u\" failures=\"%u\" errors=\"0\">\n",
          res->n, failures);
  fprintf(f, "  <testsuite name=\"leakscope.gate\" tests=\"%u\" failures=\"%u\" errors=\"0\" "
             "skipped=\"0\">\n", res->n, failures);
  fprintf(f, "    <properties>\n");
  for (uint32_t i = 0; i < d->ninputs; i++) {
    fprintf(f, "      <property name=\"input\" value=\"");
    text_xml_put(f, d->inputs[i].path, TEXT_XML_APOS);
    fprintf(f, "\"/>\n");
  }
  fprintf(f, "    </properties>\n");
  for (uint32_t i = 0; i < res->n; i++) {
    const gate_result *r = &res->r[i];
    char verdict[200];
    gate_json_verdict(r, verdict, sizeof verdict);
    fprintf(f, "    <testcase classname=\"leakscope.gate\" name=\"");
    text_xml_put(f, r->rule, TEXT_XML_APOS);
    fprintf(f, "\">\n");
    if (!r->pass) {
      fprintf(f, "      <failure type=\"threshold\" message=\"");
      text_xml_put(f, verdict, TEXT_XML_APOS);
      fprintf(f, "\">");
      size_t j;
      const json_t *o;
      json_array_foreach(r->offenders, j, o) put_offender(f, o);
      fprintf(f, "</failure>\n");
    } else {
      fprintf(f, "      <system-out>");
      text_xml_put(f, verdict, TEXT_XML_APOS);
      fprintf(f, "</system-out>\n");
    }
    fprintf(f, "    </testcase>\n");
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
  if (ferror(f) | fclose(f)) {
    snprintf(err, errlen, "cannot write %s", path);
    return -1;
  }
  return 0;
}
