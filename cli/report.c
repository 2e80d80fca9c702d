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
 * --lifetimes adds, for an input with lifetimes (a raw snapshot, or a JSON
 * report of one), each site's allocations, temporaries and lifetimes
 * (render/top.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/supp.h"
#include "commands.h"
#include "model/sample_type.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/json.h"
#include "render/pprof_write.h"
#include "render/supp_gen.h"
#include "render/text.h"
#include "render/top.h"
#include "render/xml.h"
#include "util/msg.h"
#include "util/opt.h"

typedef struct {
  const char *input;
  sample_type type;
  long top;
  const char *suppressions;
  const char *json, *xml, *profile;
  int lifetimes;
  render_top_view view; /* --depth, --show-below-main */
  int gen_suppressions;  /* --gen-suppressions given */
  supp_gen_format gen_format;
} report_options;

enum { REPORT_SAMPLE_TYPE, REPORT_TOP, REPORT_SUPPRESSIONS, REPORT_JSON, REPORT_XML, REPORT_PROFILE, REPORT_LIFETIMES,
       REPORT_DEPTH, REPORT_SHOW_BELOW_MAIN, REPORT_GEN_SUPPRESSIONS };
const opt_spec cmd_report_opts[] = {
    [REPORT_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE",
                            "what the site table ranks by: inuse_space (default), inuse_objects,\n"
                            "alloc_space or alloc_objects"},
    [REPORT_TOP] = {"--top", OPT_VALUE, " N", "the N largest sites (default 10)"},
    [REPORT_SUPPRESSIONS] = {"--suppressions", OPT_VALUE, " FILE",
                             "Valgrind or LeakSanitizer suppressions applied to the loss records"},
    [REPORT_JSON] = {"--json", OPT_VALUE, " OUT", "also write the JSON report (leakscope-report/1)"},
    [REPORT_XML] = {"--xml", OPT_VALUE, " OUT", "also write Valgrind memcheck XML (protocol 4)"},
    [REPORT_PROFILE] = {"--profile", OPT_VALUE, " OUT", "also write a pprof heap profile (gzip'd profile.proto)"},
    [REPORT_LIFETIMES] = {"--lifetimes", 0, NULL,
                          "per site: allocations, temporaries (freed before the thread's next\n"
                          "allocation) and lifetimes (median, p90, max)"},
    [REPORT_DEPTH] = {"--depth", OPT_VALUE, " N",
                      "frames shown per site in the tables (default 5; 0: the whole stack)"},
    [REPORT_SHOW_BELOW_MAIN] = {"--show-below-main", 0, NULL,
                                "show the frames below main too (libc's start), in the text and\n"
                                "the XML, as memcheck's option"},
    [REPORT_GEN_SUPPRESSIONS] = {"--gen-suppressions", OPT_EQUALS, "[=all|lsan]",
                                 "print a suppression for every unsuppressed loss record: Valgrind's\n"
                                 "format (all, the default) or LeakSanitizer's (lsan)"},
    {NULL, 0, NULL, NULL},
};

static int report_set(void *ctx, int option, const char *v) {
  report_options *o = ctx;
  switch (option) {
  case REPORT_SAMPLE_TYPE: return sample_type_option("report", v, &o->type);
  case REPORT_TOP: return opt_count("report", "--top", v, &o->top);
  case REPORT_SUPPRESSIONS: o->suppressions = v; break;
  case REPORT_JSON: o->json = v; break;
  case REPORT_XML: o->xml = v; break;
  case REPORT_PROFILE: o->profile = v; break;
  case REPORT_LIFETIMES: o->lifetimes = 1; break;
  case REPORT_SHOW_BELOW_MAIN: o->view.frames |= FRAMES_BELOW_MAIN; break;
  case REPORT_GEN_SUPPRESSIONS:
    o->gen_suppressions = 1;
    if (render_supp_gen_format(v, &o->gen_format) != 0) {
      errorf("report: bad --gen-suppressions value '%s' (want all or lsan)", v);
      return -1;
    }
    break;
  case REPORT_DEPTH: {
    long depth;
    if (opt_count("report", "--depth", v, &depth) != 0) return -1;
    o->view.depth = depth > 1000 ? 1000 : (unsigned)depth;
    break;
  }
  }
  return 0;
}

static int report_parse(int argc, char **argv, report_options *o) {
  memset(o, 0, sizeof *o);
  o->type = SAMPLE_INUSE_SPACE;
  o->top = 10;
  o->view.depth = RENDER_TOP_DEPTH;
  return opt_parse_input(cmd_report_opts, argc, argv, "report", report_set, o, &o->input);
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
  if (o.xml != NULL && render_xml(snap, o.xml, o.view.frames, err, sizeof err) < 0) {
    errorf("%s", err);
    goto out;
  }
  if (o.profile != NULL && pprof_write(snap, o.profile, err, sizeof err) < 0) {
    errorf("%s", err);
    goto out;
  }
  if (o.gen_suppressions && !snap->has_leak_check) {
    errorf("report: --gen-suppressions: %s has no leak check, so no loss records to suppress", o.input);
    goto out;
  }
  if (snap->has_leak_check) {
    render_text_summary(stdout, snap, 10, 0, o.view.frames);
    if (o.gen_suppressions) render_supp_gen(stdout, snap, o.gen_format);
    if ((snap->graph != NULL || snap->retention != NULL) && snap->summary[SNAP_REACHABLE].bytes > 0)
      printf("leakscope retain %s shows who holds the still reachable memory.\n", o.input);
    printf("\n");
  } else if (strcmp(snap->mode, "sample") == 0) {
    render_text_heap_summary(stdout, snap);
    printf("No leak check in %s (a sample-mode run makes none): the sites below are sampled.\n\n", o.input);
  }
  if (o.lifetimes && !snap->has_lifetimes) {
    errorf("report: %s has no lifetimes (they come from a raw snapshot or a report of leakscope run, "
           "or the agent's own snapshots; not from a profile or Valgrind XML)", o.input);
    goto out;
  }
  if (render_top(stdout, snap, o.type, o.top, &o.view) < 0 ||
      (o.lifetimes && render_top_lifetimes(stdout, snap, o.top, &o.view) < 0)) {
    errorf("report: out of memory");
    goto out;
  }
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
