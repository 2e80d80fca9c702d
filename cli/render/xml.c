/*
 * render/xml.c: render_xml(), a snapshot's leak findings as Valgrind
 * memcheck XML, protocol 4, in the shapes memcheck itself writes
 * (docs/INTERCHANGE.md on Valgrind XML), so CI integrations that parse valgrind's XML
 * take leakscope as a drop-in.
 *
 * Every unsuppressed leak record becomes one <error>, of all four kinds
 * (as memcheck writes with --show-leak-kinds=all), in memcheck's order:
 * smallest first, numbered "loss record i of n".  A definite record's
 * <leakedbytes> holds its direct plus indirect bytes and its <text> the
 * "N (D direct, I indirect) bytes" form.  Suppressed records are counted in
 * <suppcounts> by suppression name.  An inlined function is its own
 * <frame> with the same <ip>, as memcheck shows it; a stack ends at main
 * unless frames has FRAMES_BELOW_MAIN (memcheck's --show-below-main).
 */
#include "render/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/frames.h"
#include "util/outfile.h"
#include "util/text.h"

static const char *const xml_kinds[SNAP_KIND_COUNT] = {
    "Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost", "Leak_StillReachable"};

static void put_elem(FILE *f, const char *indent, const char *name, const char *text) {
  fprintf(f, "%s<%s>", indent, name);
  text_xml_put(f, text, TEXT_XML_APOS);
  fprintf(f, "</%s>\n", name);
}

static void put_time(FILE *f, int64_t ns) {
  if (ns < 0) ns = 0;
  int64_t ms = ns / 1000000;
  fprintf(f, "  <time>%02lld:%02lld:%02lld:%02lld.%03lld </time>\n",
          (long long)(ms / 86400000), (long long)(ms / 3600000 % 24),
          (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

static void put_frame(FILE *f, const snapshot *s, const snap_location *loc, const snap_line *ln) {
  fprintf(f, "    <frame>\n      <ip>0x%llX</ip>\n", (unsigned long long)loc->address);
  if (loc->module >= 0 && (uint32_t)loc->module < s->nmodules && s->modules[loc->module].path[0])
    put_elem(f, "      ", "obj", s->modules[loc->module].path);
  if (ln != NULL && ln->function != NULL) put_elem(f, "      ", "fn", ln->function);
  if (ln != NULL && ln->file != NULL) {
    const char *slash = strrchr(ln->file, '/');
    if (slash != NULL && slash != ln->file) {
      char dir[4096];
      size_t n = (size_t)(slash - ln->file);
      if (n >= sizeof dir) n = sizeof dir - 1;
      memcpy(dir, ln->file, n);
      dir[n] = '\0';
      put_elem(f, "      ", "dir", dir);
      put_elem(f, "      ", "file", slash + 1);
    } else {
      put_elem(f, "      ", "file", ln->file);
    }
    if (ln->line > 0) fprintf(f, "      <line>%lld</line>\n", (long long)ln->line);
  }
  fprintf(f, "    </frame>\n");
}

static void put_error(FILE *f, const snapshot *s, const snap_leak *l, uint32_t unique,
                      uint32_t n, unsigned frames) {
  char total[40], direct[40], indirect[40], blocks[40], rec[40], of[40];
  text_commas(l->bytes + l->indirect_bytes, total, sizeof total);
  text_commas(l->bytes, direct, sizeof direct);
  text_commas(l->indirect_bytes, indirect, sizeof indirect);
  text_commas(l->blocks, blocks, sizeof blocks);
  text_commas(unique + 1, rec, sizeof rec);
  text_commas(n, of, sizeof of);
  fprintf(f, "<error>\n  <unique>0x%x</unique>\n  <tid>1</tid>\n  <kind>%s</kind>\n  <xwhat>\n",
          unique, xml_kinds[l->kind]);
  if (l->indirect_bytes)
    fprintf(f, "    <text>%s (%s direct, %s indirect) bytes in %s blocks are %s in loss record %s of %s</text>\n",
            total, direct, indirect, blocks, snap_kind_words(l->kind), rec, of);
  else
    fprintf(f, "    <text>%s bytes in %s blocks are %s in loss record %s of %s</text>\n", total,
            blocks, snap_kind_words(l->kind), rec, of);
  fprintf(f, "    <leakedbytes>%llu</leakedbytes>\n    <leakedblocks>%llu</leakedblocks>\n  </xwhat>\n",
          (unsigned long long)(l->bytes + l->indirect_bytes), (unsigned long long)l->blocks);
  fprintf(f, "  <stack>\n");
  const snap_stack *st = &s->stacks[l->stack];
  uint32_t first, end, at = 0; /* the frames memcheck shows: up to main, unless --show-below-main */
  frames_range(s, st, frames, &first, &end);
  for (uint32_t i = 0; i < st->nlocs && at < end; i++) {
    if (st->locs[i] >= s->nlocations) {
      at++;
      continue;
    }
    const snap_location *loc = &s->locations[st->locs[i]];
    if (loc->nlines == 0 && at++ >= first) put_frame(f, s, loc, NULL);
    for (uint32_t j = 0; j < loc->nlines && at < end; j++)
      if (at++ >= first) put_frame(f, s, loc, &loc->lines[j]);
  }
  fprintf(f, "  </stack>\n</error>\n\n");
}

static const snapshot *sort_snap;

/* memcheck prints loss records smallest first, in its order. */
static int smaller_first(const void *pa, const void *pb) {
  uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
  int c = snap_loss_record_cmp(&sort_snap->leaks[a], &sort_snap->leaks[b]);
  return c != 0 ? c : a < b ? -1 : a > b;
}

static void put_suppcounts(FILE *f, const snapshot *s) {
  fprintf(f, "<suppcounts>\n");
  for (uint32_t i = 0; i < s->nleaks; i++) {
    const char *name = s->leaks[i].suppressed_by;
    if (name == NULL) continue;
    int first = 1;
    uint64_t count = 0;
    for (uint32_t j = 0; j < s->nleaks && first; j++) {
      if (s->leaks[j].suppressed_by == NULL || strcmp(s->leaks[j].suppressed_by, name) != 0)
        continue;
      if (j < i) first = 0;
      count++;
    }
    if (!first) continue;
    fprintf(f, "  <pair>\n    <count>%llu</count>\n", (unsigned long long)count);
    put_elem(f, "    ", "name", name);
    fprintf(f, "  </pair>\n");
  }
  fprintf(f, "</suppcounts>\n\n");
}

static void put_document(FILE *f, const snapshot *s, const uint32_t *order, uint32_t n, unsigned frames) {
  fprintf(f, "<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4</protocolversion>\n"
             "<protocoltool>memcheck</protocoltool>\n\n<preamble>\n");
  put_elem(f, "  ", "line", "Memcheck-compatible leak report written by leakscope");
  char cmd[4096] = "Command:";
  for (int i = 0; i < s->argc; i++) {
    size_t used = strlen(cmd);
    snprintf(cmd + used, sizeof cmd - used, " %s", s->argv[i]);
  }
  put_elem(f, "  ", "line", cmd);
  fprintf(f, "</preamble>\n\n<pid>%d</pid>\n<ppid>%d</ppid>\n<tool>memcheck</tool>\n\n", s->pid,
          s->ppid);
  fprintf(f, "<args>\n  <vargv>\n    <exe>leakscope</exe>\n  </vargv>\n  <argv>\n");
  put_elem(f, "    ", "exe", s->exe ? s->exe : s->argc > 0 ? s->argv[0] : "");
  for (int i = 1; i < s->argc; i++) put_elem(f, "    ", "arg", s->argv[i]);
  fprintf(f, "  </argv>\n</args>\n\n<status>\n  <state>RUNNING</state>\n");
  put_time(f, 0);
  fprintf(f, "</status>\n\n\n<status>\n  <state>FINISHED</state>\n");
  put_time(f, s->duration_ns);
  fprintf(f, "</status>\n\n");
  for (uint32_t i = 0; i < n; i++) put_error(f, s, &s->leaks[order[i]], i, n, frames);
  fprintf(f, "<errorcounts>\n</errorcounts>\n\n");
  put_suppcounts(f, s);
  fprintf(f, "</valgrindoutput>\n\n");
}

int render_xml(const snapshot *snap, const char *path, unsigned frames, char *err, size_t errlen) {
  uint32_t *order = malloc((snap->nleaks ? snap->nleaks : 1) * sizeof *order);
  if (order == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < snap->nleaks; i++)
    if (snap->leaks[i].suppressed_by == NULL && snap->leaks[i].stack < snap->nstacks &&
        (unsigned)snap->leaks[i].kind < SNAP_KIND_COUNT)
      order[n++] = i;
  sort_snap = snap;
  qsort(order, n, sizeof *order, smaller_first);

  outfile o;
  FILE *f = outfile_open(&o, path, err, errlen);
  if (f != NULL) put_document(f, snap, order, n, frames);
  free(order);
  return f != NULL ? outfile_close(&o, 1, err, errlen) : -1;
}
