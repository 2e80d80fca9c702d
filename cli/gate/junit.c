/*
 * gate/junit.c: JUnit XML for CI systems that show test reports: one
 * testsuite "leakscope.gate", one testcase per rule; a breached rule has a
 * <failure> whose text lists the offenders (stacks, growing sites,
 * suppressions or inputs) and, for a still_reachable rule, the roots
 * holding the memory: what stdout and assert_result.json show.
 */
#include "gate/output.h"

#include <stdio.h>

#include "util/text.h"

/* One offender as text lines. */
static void put_offender(FILE *f, const gate_offender *of, const gate_data *d) {
  char line[1200];
  switch (of->kind) {
  case GATE_OFFENDER_SUPPRESSION:
    snprintf(line, sizeof line, "%llu records suppressed by %s\n",
             (unsigned long long)of->suppression->count, of->suppression->name);
    text_xml_put(f, line, TEXT_XML_APOS);
    return;
  case GATE_OFFENDER_INPUT:
    snprintf(line, sizeof line, "%s: %llu bytes in use\n", of->input->path,
             (unsigned long long)of->input->inuse_bytes);
    text_xml_put(f, line, TEXT_XML_APOS);
    return;
  case GATE_OFFENDER_HOLDER:
    snprintf(line, sizeof line, "held by %s: %llu bytes in %llu blocks (%s)\n", of->holder->root,
             (unsigned long long)of->holder->bytes, (unsigned long long)of->holder->blocks,
             d->inputs[of->holder->input].path);
    text_xml_put(f, line, TEXT_XML_APOS);
    return;
  case GATE_OFFENDER_SITE: {
    const growth_site *s = of->site;
    char frame[1024];
    snprintf(line, sizeof line, "%+lld bytes (%lld -> %lld) at:\n", (long long)(s->now - s->base),
             (long long)s->base, (long long)s->now);
    text_xml_put(f, line, TEXT_XML_APOS);
    for (unsigned i = 0; growth_frame(s->key, i, frame, sizeof frame) == 0; i++) {
      snprintf(line, sizeof line, "    %s\n", frame);
      text_xml_put(f, line, TEXT_XML_APOS);
    }
    return;
  }
  case GATE_OFFENDER_RECORD: {
    const gate_record *rec = of->record;
    snprintf(line, sizeof line, "%llu bytes in %llu blocks (%s) at:\n", (unsigned long long)rec->bytes,
             (unsigned long long)rec->blocks, d->inputs[rec->input].path);
    text_xml_put(f, line, TEXT_XML_APOS);
    for (uint32_t i = 0; i < rec->nframes; i++) {
      const gate_frame *fr = &rec->frames[i];
      char address[32];
      snprintf(address, sizeof address, "0x%llx", (unsigned long long)fr->ip);
      if (fr->file)
        snprintf(line, sizeof line, "    %s (%s:%llu)\n", fr->fn ? fr->fn : "??", fr->file,
                 (unsigned long long)fr->line);
      else
        snprintf(line, sizeof line, "    %s (%s)\n", fr->fn ? fr->fn : "??", fr->obj ? fr->obj : address);
      text_xml_put(f, line, TEXT_XML_APOS);
    }
    return;
  }
  }
}

void gate_junit_write(const gate_results *res, const gate_data *d, FILE *f) {
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
    gate_rules_verdict(r, verdict, sizeof verdict);
    fprintf(f, "    <testcase classname=\"leakscope.gate\" name=\"");
    text_xml_put(f, r->rule, TEXT_XML_APOS);
    fprintf(f, "\">\n");
    if (!r->pass) {
      fprintf(f, "      <failure type=\"threshold\" message=\"");
      text_xml_put(f, verdict, TEXT_XML_APOS);
      fprintf(f, "\">");
      for (uint32_t j = 0; j < r->noffenders; j++) put_offender(f, &r->offenders[j], d);
      for (uint32_t j = 0; j < r->nholders; j++) put_offender(f, &r->holders[j], d);
      fprintf(f, "</failure>\n");
    } else {
      fprintf(f, "      <system-out>");
      text_xml_put(f, verdict, TEXT_XML_APOS);
      fprintf(f, "</system-out>\n");
    }
    fprintf(f, "    </testcase>\n");
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
}
