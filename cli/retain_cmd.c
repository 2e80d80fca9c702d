/*
 * retain_cmd.c: `leakscope retain FILE`: who holds the memory that is still
 * reachable.  FILE is a full-mode exit snapshot (the agent's raw snapshot,
 * whose retention graph is analysed here, analyze/retain.c) or a JSON report that
 * `leakscope run --report` wrote with its retention section.
 *
 *   leakscope retain FILE [--top N] [--json OUT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/json.h"
#include "render/retain.h"
#include "util/msg.h"
#include "util/opt.h"

typedef struct {
  const char *input, *json;
  long top;
} retain_options;

enum { RETAIN_TOP, RETAIN_JSON };
const opt_spec cmd_retain_opts[] = {
    [RETAIN_TOP] = {"--top", OPT_VALUE, " N", "the N holders that retain the most (default 10)"},
    [RETAIN_JSON] = {"--json", OPT_VALUE, " OUT", "also write the holders as JSON"},
    {NULL, 0, NULL, NULL},
};

static int retain_set(void *ctx, int option, const char *v) {
  retain_options *o = ctx;
  switch (option) {
  case RETAIN_TOP: return opt_count("retain", "--top", v, &o->top);
  case RETAIN_JSON: o->json = v; break;
  }
  return 0;
}

static int retain_parse(int argc, char **argv, retain_options *o) {
  memset(o, 0, sizeof *o);
  o->top = 10;
  return opt_parse_input(cmd_retain_opts, argc, argv, "retain", retain_set, o, &o->input);
}

int cmd_retain(int argc, char **argv) {
  retain_options o;
  if (retain_parse(argc, argv, &o) != 0) return EXIT_USAGE;
  char err[512];
  snapshot *snap = load_snapshot(o.input, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  if (snap->retention == NULL && snap->graph == NULL) {
    errorf("%s: no retention data (it needs a full-mode exit snapshot: the agent's raw snapshot, "
           "or a report from leakscope run --report)", o.input);
    snap_free(snap);
    return EXIT_USAGE;
  }
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN | PREPARE_RETAIN};
  if (prepare_snapshot(snap, &p, err, sizeof err) != 0) {
    errorf("%s: %s", o.input, err);
    snap_free(snap);
    return EXIT_USAGE;
  }
  int rc = EXIT_OK;
  render_retain_text(stdout, snap, (int)o.top);
  if (o.json != NULL && render_json_report(snap, o.json, err, sizeof err) != 0) {
    errorf("%s", err);
    rc = EXIT_USAGE;
  }
  snap_free(snap);
  return rc;
}
