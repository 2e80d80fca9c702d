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

enum { DIFF_SAMPLE_TYPE, DIFF_TOP };
const opt_spec cmd_diff_opts[] = {
    [DIFF_SAMPLE_TYPE] = {"--sample-type", OPT_VALUE, " TYPE",
                          "what growth is measured in: inuse_space (default), inuse_objects,\n"
                          "alloc_space or alloc_objects"},
    [DIFF_TOP] = {"--top", OPT_VALUE, " N", "the N sites that changed most (default 20)"},
    {NULL, 0, NULL, NULL},
};
#define DIFF_FRAMES 3

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

static void print_table(const growth *g, sample_type type, unsigned top) {
  const char *unit = sample_type_unit(type);
  printf("%14s %9s %14s %14s  %s\n", "growth", "percent", "base", "new", "site (leaf first)");
  unsigned shown = 0;
  for (uint32_t i = 0; i < g->n && shown < top; i++) {
    const growth_site *s = &g->sites[i];
    if (s->now == s->base) continue;
    char pct[32], frames[1200] = "", frame[512];
    percent_text(s->base, s->now, pct, sizeof pct);
    for (unsigned f = 0; f < DIFF_FRAMES && growth_frame(s->key, f, frame, sizeof frame) == 0;
         f++) {
      size_t used = strlen(frames);
      snprintf(frames + used, sizeof frames - used, "%s%s", f ? " < " : "", frame);
    }
    printf("%+14lld %9s %14lld %14lld  %s\n", (long long)(s->now - s->base), pct,
           (long long)s->base, (long long)s->now, frames[0] ? frames : "(empty stack)");
    shown++;
  }
  if (shown == 0) printf("%14s\n", "(no site changed)");
  char pct[32];
  percent_text(g->base_total, g->new_total, pct, sizeof pct);
  printf("total %s: base %lld, new %lld, growth %+lld (%s)\n", unit, (long long)g->base_total,
         (long long)g->new_total, (long long)(g->new_total - g->base_total), pct);
}

int cmd_diff(int argc, char **argv) {
  sample_type type = SAMPLE_INUSE_SPACE;
  unsigned top = 20;
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
  growth g;
  char err[256];
  int rc = growth_compute(&base, 1, &now, 1, type, &g, err, sizeof err);
  snap_free(base);
  snap_free(now);
  if (rc != 0) {
    errorf("diff: %s", err);
    return EXIT_USAGE;
  }
  print_table(&g, type, top);
  growth_free(&g);
  return EXIT_OK;
}
