/*
 * report.c: `leakscope report FILE`: load any input (raw snapshot, pprof
 * profile, JSON report), symbolize it if it has no lines yet, print the
 * memcheck-style leak summary when the exit scan ran, then the top
 * allocation sites by one sample type (like `go tool pprof -top`, with the
 * first frames of each stack), and optionally convert it to the JSON
 * report, Valgrind XML or pprof formats.  Suppressions, when given, mark
 * matching loss records before anything is printed or written.
 *
 *   leakscope report FILE [--sample-type alloc_space|alloc_objects|inuse_space|inuse_objects]
 *                         [--top N] [--suppressions FILE] [--json OUT] [--xml OUT]
 *                         [--profile OUT] [--lifetimes]
 *
 * --lifetimes adds, for a sample-mode raw snapshot, how long the freed
 * objects of the top sites lived (by decade) and the share of temporary
 * ones (freed within 1 ms).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/supp.h"
#include "commands.h"
#include "model/sample_type.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/render.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/text.h"

#define REPORT_FRAMES 5 /* frames shown per site */

typedef struct {
  const char *input;
  sample_type type;
  long top;
  const char *suppressions;
  const char *json, *xml, *profile;
  int lifetimes;
} report_options;

enum { REPORT_SAMPLE_TYPE, REPORT_TOP, REPORT_SUPPRESSIONS, REPORT_JSON, REPORT_XML, REPORT_PROFILE, REPORT_LIFETIMES };
static const opt_spec report_opts[] = {
    [REPORT_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE", NULL},
    [REPORT_TOP] = {"--top", OPT_VALUE, " N", NULL},
    [REPORT_SUPPRESSIONS] = {"--suppressions", OPT_VALUE, " FILE", NULL},
    [REPORT_JSON] = {"--json", OPT_VALUE, " OUT", NULL},
    [REPORT_XML] = {"--xml", OPT_VALUE, " OUT", NULL},
    [REPORT_PROFILE] = {"--profile", OPT_VALUE, " OUT", NULL},
    [REPORT_LIFETIMES] = {"--lifetimes", 0, NULL, NULL},
    {NULL, 0, NULL, NULL},
};

static int report_parse(int argc, char **argv, report_options *o) {
  memset(o, 0, sizeof *o);
  o->type = SAMPLE_INUSE_SPACE;
  o->top = 10;
  for (int i = 0; i < argc; i++) {
    const char *v;
    switch (opt_next(report_opts, argc, argv, &i, "report", &v)) {
    case OPT_BAD: return -1;
    case OPT_UNKNOWN:
      errorf("report: unknown option '%s'", argv[i]);
      return -1;
    case OPT_ARG:
      if (o->input != NULL) {
        errorf("report: one input file only (got '%s' and '%s')", o->input, argv[i]);
        return -1;
      }
      o->input = argv[i];
      break;
    case REPORT_SAMPLE_TYPE:
      if (sample_type_parse(v, &o->type) < 0) {
        errorf("report: unknown sample type '%s' (alloc_space, alloc_objects, inuse_space, "
               "inuse_objects)", v);
        return -1;
      }
      break;
    case REPORT_TOP: {
      char *end;
      o->top = strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || o->top < 0) {
        errorf("report: --top wants a number >= 0, not '%s'", v);
        return -1;
      }
      break;
    }
    case REPORT_SUPPRESSIONS: o->suppressions = v; break;
    case REPORT_JSON: o->json = v; break;
    case REPORT_XML: o->xml = v; break;
    case REPORT_PROFILE: o->profile = v; break;
    case REPORT_LIFETIMES: o->lifetimes = 1; break;
    }
  }
  if (o->input == NULL) {
    char synopsis[512];
    opt_synopsis(report_opts, synopsis, sizeof synopsis);
    errorf("usage: leakscope report FILE%s", synopsis);
    return -1;
  }
  return 0;
}

/* The first frames of a stack, innermost first: "fn file:line < fn ...". */
static void report_frames(const snapshot *snap, const snap_stack *stack, char *buf, size_t len) {
  size_t at = 0;
  int shown = 0, more = 0;
  buf[0] = '\0';
  for (uint32_t k = 0; k < stack->nlocs && stack->locs[k] < snap->nlocations; k++) {
    const snap_location *loc = &snap->locations[stack->locs[k]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines; l++) {
      if (shown == REPORT_FRAMES) {
        more = 1;
        break;
      }
      if (shown++) text_append(buf, len, &at, " < ");
      const snap_line *line = loc->nlines ? &loc->lines[l] : NULL;
      if (line != NULL && line->function != NULL) {
        text_append(buf, len, &at, "%s", line->function);
        if (line->file != NULL)
          text_append(buf, len, &at, " %s:%" PRId64, text_basename(line->file), line->line);
      } else if (loc->module >= 0 && (uint32_t)loc->module < snap->nmodules &&
                 snap->modules[loc->module].path[0] != '\0') {
        text_append(buf, len, &at, "0x%" PRIx64 " (%s)", loc->address,
                      text_basename(snap->modules[loc->module].path));
      } else {
        text_append(buf, len, &at, "0x%" PRIx64, loc->address);
      }
    }
    if (more) break;
  }
  if (more) text_append(buf, len, &at, " < ...");
  if (stack->nlocs == 0) text_append(buf, len, &at, "(no stack)");
}

typedef struct {
  const snapshot *snap;
  sample_type type;
} report_sort_ctx;

static int report_site_order(const void *pa, const void *pb, void *arg) {
  const report_sort_ctx *by = arg;
  const snap_site *a = &by->snap->sites[*(const uint32_t *)pa];
  const snap_site *b = &by->snap->sites[*(const uint32_t *)pb];
  int64_t va = sample_type_value(a, by->type);
  int64_t vb = sample_type_value(b, by->type);
  if (va != vb) return va > vb ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* The table of the top sites. */
static int report_top(const snapshot *snap, const report_options *o) {
  uint32_t *order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) {
    errorf("report: out of memory");
    return -1;
  }
  uint32_t n = 0;
  int64_t total = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    int64_t v = sample_type_value(&snap->sites[i], o->type);
    total = (int64_t)((uint64_t)total + (uint64_t)v);
    if (v != 0 && snap->sites[i].stack < snap->nstacks) order[n++] = i;
  }
  report_sort_ctx by = {snap, o->type};
  if (n > 1) qsort_r(order, n, sizeof *order, report_site_order, &by);
  uint32_t shown = o->top == 0 || (uint64_t)o->top > n ? n : (uint32_t)o->top;
  int bytes = sample_type_is_bytes(o->type);
  char human[64];
  text_human(total, bytes, human, sizeof human);
  printf("Top %u of %u allocation sites by %s (total %" PRId64 " %s, %s)", shown, n,
         sample_type_name(o->type), total, sample_type_unit(o->type), human);
  if (snap->mode != NULL && strcmp(snap->mode, "sample") == 0 && snap->sample_interval > 1)
    printf(", sampled every %" PRIu64 " bytes on average", snap->sample_interval);
  printf(":\n%14s %10s %8s %8s  %s\n", sample_type_unit(o->type), "", "flat%", "cum%",
         "stack (allocation site first)");
  double cum = 0;
  char frames[1024];
  for (uint32_t r = 0; r < shown; r++) {
    const snap_site *site = &snap->sites[order[r]];
    int64_t v = sample_type_value(site, o->type);
    double pct = total ? 100.0 * (double)v / (double)total : 0.0;
    cum += pct;
    text_human(v, bytes, human, sizeof human);
    report_frames(snap, &snap->stacks[site->stack], frames, sizeof frames);
    printf("%14" PRId64 " %10s %7.2f%% %7.2f%%  %s\n", v, human, pct, cum, frames);
  }
  free(order);
  return 0;
}

static int64_t report_freed(const snap_site *s) {
  int64_t n = 0;
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) n += s->died[k];
  return n;
}

static int report_site_by_freed(const void *pa, const void *pb, void *arg) {
  const snapshot *snap = arg;
  int64_t a = report_freed(&snap->sites[*(const uint32_t *)pa]), b = report_freed(&snap->sites[*(const uint32_t *)pb]);
  return a > b ? -1 : a < b;
}

/* How long the freed objects of the top sites lived, by decade. */
static int report_lifetimes(const snapshot *snap, const report_options *o) {
  static const char *const heads[SNAP_LIFETIME_BUCKETS] = {"<1us", "<10us", "<100us", "<1ms", "<10ms",
                                                          "<100ms", "<1s", "<10s", "<100s", "longer"};
  uint32_t *order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) {
    errorf("report: out of memory");
    return -1;
  }
  uint32_t n = 0;
  int64_t freed = 0, temporary = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    int64_t f = report_freed(&snap->sites[i]);
    if (f <= 0 || snap->sites[i].stack >= snap->nstacks) continue;
    order[n++] = i;
    freed += f;
    for (int k = 0; k <= 3; k++) temporary += snap->sites[i].died[k]; /* under 1 ms */
  }
  qsort_r(order, n, sizeof *order, report_site_by_freed, (void *)snap);
  uint32_t shown = o->top == 0 || (uint64_t)o->top > n ? n : (uint32_t)o->top;
  printf("\nLifetimes of freed objects, top %u of %u sites by objects freed (estimates from the samples):\n"
         "%12s", shown, n, "freed");
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) printf(" %6s", heads[k]);
  printf("  stack (allocation site first)\n");
  char frames[1024];
  for (uint32_t r = 0; r < shown; r++) {
    const snap_site *s = &snap->sites[order[r]];
    int64_t f = report_freed(s);
    printf("%12" PRId64, f);
    for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) {
      if (s->died[k] == 0) printf(" %6s", ".");
      else printf(" %5.1f%%", 100.0 * (double)s->died[k] / (double)f);
    }
    report_frames(snap, &snap->stacks[s->stack], frames, sizeof frames);
    printf("  %s\n", frames);
  }
  if (freed > 0)
    printf("Temporary allocations (freed within 1 ms): %.1f%% of %" PRId64 " freed objects.\n",
           100.0 * (double)temporary / (double)freed, freed);
  free(order);
  return 0;
}

int cmd_report(int argc, char **argv) {
  report_options o;
  if (report_parse(argc, argv, &o) < 0) return EXIT_USAGE;
  char err[1024];
  snapshot *snap = load_snapshot(o.input, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  int rc = EXIT_USAGE;
  supp_set *supp = NULL;
  if (o.suppressions != NULL && (supp = supp_load(o.suppressions, err, sizeof err)) == NULL) {
    errorf("%s", err);
    goto out;
  }
  /* suppressions before anything is printed or written; retention only
   * for the JSON report, which carries it */
  prepare_opts p = {PREPARE_SYMBOLIZE | (supp ? PREPARE_SUPPRESS : 0u) | (o.json ? PREPARE_RETAIN_WARN : 0u),
                    &supp, 1};
  if (prepare_snapshot(snap, &p, err, sizeof err) != 0) {
    errorf("%s", err);
    goto out;
  }
  if (o.json != NULL && render_json_report(snap, o.json, err, sizeof err) < 0) {
    errorf("%s", err);
    goto out;
  }
  if (o.xml != NULL && render_xml(snap, o.xml, err, sizeof err) < 0) {
    errorf("%s", err);
    goto out;
  }
  if (o.profile != NULL && pprof_write(snap, o.profile, err, sizeof err) < 0) {
    errorf("%s", err);
    goto out;
  }
  if (snap->has_leak_check) {
    render_text_summary(stdout, snap, 10, 0);
    if ((snap->graph != NULL || snap->retention != NULL) && snap->summary[SNAP_REACHABLE].bytes > 0)
      printf("leakscope retain %s shows who holds the still reachable memory.\n", o.input);
    printf("\n");
  }
  if (o.lifetimes && !snap->has_lifetimes) {
    errorf("report: %s has no lifetimes (they come from a sample-mode raw snapshot: "
           "leakscope run --sample, or the agent with mode=sample)", o.input);
    goto out;
  }
  if (report_top(snap, &o) < 0) goto out;
  if (o.lifetimes && report_lifetimes(snap, &o) < 0) goto out;
  if (fflush(stdout) != 0) {
    errorf("report: cannot write to standard output");
    goto out;
  }
  rc = EXIT_OK;
out:
  supp_free(supp);
  snap_free(snap);
  return rc;
}
