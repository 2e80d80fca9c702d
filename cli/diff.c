/*
 * diff.c: `leakscope diff [--sample-type TYPE] [--top N] BASE NEW`:
 * allocation sites ranked by growth between two snapshots, profiles or
 * reports (anything load_snapshot() reads).  Sites are matched by their
 * symbolized stacks (analyze/growth.h); the table shows growth, percent, the
 * base and new values and the top frames, then a totals line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/growth.h"
#include "commands.h"
#include "pipeline/prepare.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/text.h"

enum { DIFF_SAMPLE_TYPE, DIFF_TOP, DIFF_DEPTH };
const opt_spec cmd_diff_opts[] = {
    [DIFF_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE",
                          "what growth is measured in: inuse_space (default), inuse_objects,\n"
                          "alloc_space or alloc_objects"},
    [DIFF_TOP] = {"--top", OPT_VALUE, " N", "the N sites that changed most (default 20)"},
    [DIFF_DEPTH] = {"--depth", OPT_VALUE, " N", "frames shown per site (default 3; 0: the whole stack)"},
    {NULL, 0, NULL, NULL},
};
#define DIFF_FRAMES 3 /* frames shown per site unless --depth says */

static snapshot *load(const char *path) {
  char err[1024];
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE};
  snapshot *s = prepare_load(path, &p, err, sizeof err);
  if (s == NULL) errorf("diff: %s", err);
  return s;
}

static void percent_text(int64_t base, int64_t now, char *buf, size_t len) {
  int inf;
  double p = growth_percent(base, now, &inf);
  if (inf) snprintf(buf, len, "new");
  else if (base == 0) snprintf(buf, len, "-");
  else snprintf(buf, len, "%+.1f%%", p);
}

/* v with thousands separators, signed when asked: "+1,024", "-3", "0". */
static const char *diff_number(int64_t v, int sign, char *buf, size_t len) {
  char digits[32];
  text_commas(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, digits, sizeof digits);
  snprintf(buf, len, "%s%s", v < 0 ? "-" : sign && v > 0 ? "+" : "", digits);
  return buf;
}

/* v for people in the type's unit: "+1.5 MiB", "-12 B", "+3.2k". */
static const char *diff_human(int64_t v, sample_type type, char *buf, size_t len) {
  char human[32];
  text_human(v < 0 ? -v : v, sample_type_is_bytes(type), human, sizeof human);
  snprintf(buf, len, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", human);
  return buf;
}

static void print_table(const growth *g, sample_type type, unsigned top, unsigned depth) {
  const char *unit = sample_type_unit(type);
  printf("%16s %11s %9s %16s %16s  %s\n", unit, "", "percent", "base", "new", "site (leaf first)");
  unsigned shown = 0;
  for (uint32_t i = 0; i < g->n && shown < top; i++) {
    const growth_site *s = &g->sites[i];
    if (s->now == s->base) continue;
    char pct[32], frames[8192] = "", frame[1024], change[40], human[40], base[40], now[40];
    size_t at = 0;
    percent_text(s->base, s->now, pct, sizeof pct);
    for (unsigned f = 0; (depth == 0 || f < depth) && growth_frame(s->key, f, frame, sizeof frame) == 0; f++)
      text_append(frames, sizeof frames, &at, "%s%s", f ? " < " : "", frame);
    printf("%16s %11s %9s %16s %16s  %s\n", diff_number(s->now - s->base, 1, change, sizeof change),
           diff_human(s->now - s->base, type, human, sizeof human), pct, diff_number(s->base, 0, base, sizeof base),
           diff_number(s->now, 0, now, sizeof now), frames[0] ? frames : "(empty stack)");
    shown++;
  }
  if (shown == 0) printf("%16s\n", "(no site changed)");
  char pct[32], base[40], now[40], change[40], human[40];
  percent_text(g->base_total, g->new_total, pct, sizeof pct);
  printf("total %s: base %s, new %s, growth %s (%s, %s)\n", unit, diff_number(g->base_total, 0, base, sizeof base),
         diff_number(g->new_total, 0, now, sizeof now), diff_number(g->new_total - g->base_total, 1, change, sizeof change),
         diff_human(g->new_total - g->base_total, type, human, sizeof human), pct);
}

int cmd_diff(int argc, char **argv) {
  sample_type type = SAMPLE_INUSE_SPACE;
  unsigned top = 20, depth = DIFF_FRAMES;
  const char *paths[2];
  int npaths = 0;
  char usage[256], synopsis[200];
  opt_synopsis(cmd_diff_opts, synopsis, sizeof synopsis);
  snprintf(usage, sizeof usage, "usage: leakscope diff%s BASE NEW", synopsis);
  for (int i = 0; i < argc; i++) {
    const char *v;
    switch (opt_next(cmd_diff_opts, argc, argv, &i, "diff", &v)) {
    case OPT_BAD: return EXIT_USAGE;
    case OPT_UNKNOWN:
      opt_unknown(cmd_diff_opts, "diff", argv[i]);
      return EXIT_USAGE;
    case OPT_ARG:
      if (npaths == 2) {
        errorf("diff: more than two files (%s)", usage);
        return EXIT_USAGE;
      }
      paths[npaths++] = argv[i];
      break;
    case DIFF_SAMPLE_TYPE:
      if (sample_type_parse(v, &type) != 0) {
        errorf("diff: unknown sample type '%s' (%s)", v, usage);
        return EXIT_USAGE;
      }
      break;
    case DIFF_TOP: {
      char *end;
      unsigned long n = strtoul(v, &end, 10);
      if (*v < '0' || *v > '9' || *end != '\0' || n == 0 || n > 1000000) {
        errorf("diff: --top needs a number from 1 to 1000000, not '%s'", v);
        return EXIT_USAGE;
      }
      top = (unsigned)n;
      break;
    }
    case DIFF_DEPTH: {
      long n;
      if (opt_count("diff", "--depth", v, &n) != 0) return EXIT_USAGE;
      depth = n > 1000 ? 1000 : (unsigned)n;
      break;
    }
    }
  }
  if (npaths != 2) {
    errorf("diff: needs BASE and NEW (%s)", usage);
    return EXIT_USAGE;
  }
  snapshot *base = load(paths[0]);
  if (base == NULL) return EXIT_USAGE;
  snapshot *now = load(paths[1]);
  if (now == NULL) {
    snap_free(base);
    return EXIT_USAGE;
  }
  const char *base_program = snap_program(base), *new_program = snap_program(now);
  if (base_program != NULL && new_program != NULL && strcmp(base_program, new_program) != 0)
    warnf("diff: %s comes from %s and %s from %s: the sites of two programs rarely match", paths[0], base_program,
          paths[1], new_program);
  growth g;
  char err[256];
  int rc = growth_compute(&base, 1, &now, 1, type, &g, err, sizeof err);
  snap_free(base);
  snap_free(now);
  if (rc != 0) {
    errorf("diff: %s", err);
    return EXIT_USAGE;
  }
  print_table(&g, type, top, depth);
  growth_free(&g);
  return EXIT_OK;
}
