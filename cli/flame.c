/*
 * flame.c: `leakscope flame PROFILE`: merge the allocation stacks of any
 * input (pprof profile, raw snapshot, JSON report) into a call tree by one
 * sample type (analyze/calltree.c), and write it as an SVG flame graph
 * (render/flame_svg.c) and/or as folded stacks for flamegraph.pl,
 * speedscope and inferno (render/folded.c).
 *
 *   leakscope flame PROFILE [-o OUT.svg] [--folded [OUT]] [--sample-type T]
 *                           [--title T] [--inverted] [--lines]
 *
 * Without -o or --folded the SVG is NAME.svg in the current directory, for
 * an input NAME.pb.gz (or .json, .raw, ...), and a line says so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/calltree.h"
#include "commands.h"
#include "model/sample_type.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "render/flame_svg.h"
#include "render/folded.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/text.h"

typedef struct {
  const char *input, *svg, *folded_path, *title;
  int folded, inverted, lines;
  sample_type type;
  char default_svg[512]; /* the SVG's name when neither -o nor --folded is given */
} flame_options;

enum { FLAME_OUTPUT, FLAME_OUTPUT_LONG, FLAME_FOLDED, FLAME_SAMPLE_TYPE, FLAME_TITLE, FLAME_INVERTED,
       FLAME_LINES };
const opt_spec cmd_flame_opts[] = {
    [FLAME_OUTPUT] = {"-o", OPT_VALUE, " OUT.svg",
                      "the SVG flame graph (also --output); without -o and --folded,\n"
                      "NAME.svg for an input NAME.pb.gz (or .json, .raw, ...)"},
    [FLAME_OUTPUT_LONG] = {"--output", OPT_VALUE | OPT_HIDDEN, " OUT.svg", NULL},
    [FLAME_FOLDED] = {"--folded", OPT_EQUALS, " [OUT]",
                      "folded stacks (\"a;b;c 123\" lines) to OUT, or to stdout without\n"
                      "OUT; OUT as --folded=OUT, or the argument after it when PROFILE\n"
                      "is given too"},
    [FLAME_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE",
                           "inuse_space (default), inuse_objects, alloc_space or alloc_objects"},
    [FLAME_TITLE] = {"--title", OPT_VALUE, " TEXT", "the SVG's title"},
    [FLAME_INVERTED] = {"--inverted", 0, NULL, "an icicle graph: roots at the top, leaves below"},
    [FLAME_LINES] = {"--lines", 0, NULL, "one frame per source line, not per function"},
    {NULL, 0, NULL, NULL},
};

/* "NAME.svg" for an input "DIR/NAME.pb.gz" (or .pb, .json, .raw, .xml,
 * .gz, .folded), in the current directory. */
static void flame_default_name(const char *input, char *buf, size_t buflen) {
  static const char *const exts[] = {".pb.gz", ".pb", ".json", ".raw", ".xml", ".gz", ".folded"};
  const char *base = text_basename(input);
  size_t n = strlen(base);
  for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
    size_t e = strlen(exts[i]);
    if (n > e && strcmp(base + n - e, exts[i]) == 0) {
      n -= e;
      break;
    }
  }
  snprintf(buf, buflen, "%.*s.svg", (int)n, base);
}

static int flame_parse(int argc, char **argv, flame_options *o) {
  memset(o, 0, sizeof *o);
  o->type = SAMPLE_INUSE_SPACE;
  const char *positional[2];
  int npos = 0, folded_next = -1; /* which positional came right after --folded */
  for (int i = 0; i < argc; i++) {
    const char *v;
    switch (opt_next(cmd_flame_opts, argc, argv, &i, "flame", &v)) {
    case OPT_BAD: return -1;
    case OPT_UNKNOWN:
      opt_unknown(cmd_flame_opts, "flame", argv[i]);
      return -1;
    case OPT_ARG:
      if (npos == 2) {
        errorf("flame: too many arguments ('%s')", argv[i]);
        return -1;
      }
      positional[npos++] = argv[i];
      break;
    case FLAME_FOLDED:
      o->folded = 1;
      if (v != NULL) o->folded_path = v;
      else folded_next = npos;
      break;
    case FLAME_INVERTED: o->inverted = 1; break;
    case FLAME_LINES: o->lines = 1; break;
    case FLAME_OUTPUT:
    case FLAME_OUTPUT_LONG: o->svg = v; break;
    case FLAME_SAMPLE_TYPE:
      if (sample_type_option("flame", v, &o->type) != 0) return -1;
      break;
    case FLAME_TITLE: o->title = v; break;
    }
    if (strcmp(argv[i], "--folded") != 0 && folded_next == npos) folded_next = -1;
  }
  /* "--folded OUT": the positional right after --folded is OUT when a
   * second positional gives the PROFILE */
  if (npos == 2 && folded_next >= 0 && o->folded_path == NULL) {
    o->folded_path = positional[folded_next];
    o->input = positional[1 - folded_next];
  } else if (npos == 1) {
    o->input = positional[0];
  } else {
    char synopsis[256];
    opt_synopsis(cmd_flame_opts, synopsis, sizeof synopsis);
    errorf("usage: leakscope flame PROFILE%s", synopsis);
    return -1;
  }
  if (o->svg == NULL && !o->folded) { /* the flame graph, named after the input */
    flame_default_name(o->input, o->default_svg, sizeof o->default_svg);
    o->svg = o->default_svg;
  }
  return 0;
}

int cmd_flame(int argc, char **argv) {
  flame_options o;
  if (flame_parse(argc, argv, &o) < 0) return EXIT_USAGE;
  char err[1024];
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  snapshot *snap = prepare_load(o.input, &p, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  calltree tree;
  memset(&tree, 0, sizeof tree);
  int rc = EXIT_USAGE;
  if (calltree_build(&tree, snap, o.type, o.lines) < 0) {
    errorf("flame: out of memory building the call tree");
    goto out;
  }
  if (o.svg != NULL) {
    char title[256], subtitle[512], human[64] = "", scaled[32], commas[32];
    int bytes = sample_type_is_bytes(o.type);
    int64_t total = tree.nodes[0].value;
    /* "4,789 bytes (4.7 KiB)": the unit only when it says more than the count */
    text_human(total, bytes, scaled, sizeof scaled);
    if (total >= (bytes ? 1024 : 1000)) snprintf(human, sizeof human, " (%s)", scaled);
    snprintf(title, sizeof title, "Heap flame graph: %s", sample_type_name(o.type));
    snprintf(subtitle, sizeof subtitle, "%s: %s %s%s%s", text_basename(o.input),
             text_commas(total > 0 ? (uint64_t)total : 0, commas, sizeof commas), sample_type_unit(o.type), human,
             strcmp(snap->mode ? snap->mode : "", "sample") == 0 ? ", sampled estimate" : "");
    flame_svg_options so = {o.title ? o.title : title, subtitle, bytes, o.inverted};
    if (flame_svg_write(&tree, &so, o.svg, err, sizeof err) < 0) {
      errorf("%s", err);
      goto out;
    }
    if (o.svg == o.default_svg) notef("flame graph written to %s (-o OUT.svg names it)", o.svg);
  }
  if (o.folded) {
    if (o.folded_path != NULL) {
      if (folded_write_file(&tree, o.folded_path, err, sizeof err) < 0) {
        errorf("%s", err);
        goto out;
      }
    } else if (folded_write(&tree, stdout) < 0 || fflush(stdout) != 0) {
      errorf("flame: cannot write folded stacks to standard output");
      goto out;
    }
  }
  rc = EXIT_OK;
out:
  calltree_free(&tree);
  snap_free(snap);
  return rc;
}
