/*
 * retain_cmd.c: `leakscope retain`: who holds the memory that is still
 * reachable.  FILE is a full-mode exit snapshot (the agent's raw snapshot,
 * whose retention graph is analysed here, analyze/retain.c), a live
 * retention snapshot, or a JSON report that `leakscope run --report`
 * wrote with its retention section.  With --pid, a program running under
 * `leakscope run` is asked for a live retention snapshot instead (it is
 * stopped only while a copy of it is made: live/retain_live.h), in full
 * and in sample mode.  --addr ADDRESS shows the chain of pointers from a
 * root to the block holding ADDRESS.
 *
 *   leakscope retain FILE [--top N] [--json OUT] [--addr ADDRESS]
 *   leakscope retain --pid PID [--top N] [--json OUT] [--addr ADDRESS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/retain.h"
#include "commands.h"
#include "live/retain_live.h"
#include "model/snapshot.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/json.h"
#include "render/retain.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/text.h"

typedef struct {
  const char *input, *json;
  long top, pid;
  int want_chain;
  uint64_t address;
} retain_options;

enum { RETAIN_TOP, RETAIN_JSON, RETAIN_PID, RETAIN_ADDR };
const opt_spec cmd_retain_opts[] = {
    [RETAIN_TOP] = {"--top", OPT_VALUE, " N", "the N holders that retain the most (default 10)"},
    [RETAIN_JSON] = {"--json", OPT_VALUE, " OUT", "also write the holders as JSON"},
    [RETAIN_PID] = {"--pid", OPT_VALUE, " PID", "ask a program running under leakscope run, now (in place of FILE)"},
    [RETAIN_ADDR] = {"--addr", OPT_VALUE, " ADDRESS", "the chain of pointers from a root to the block holding ADDRESS"},
    {NULL, 0, NULL, NULL},
};

static int retain_set(retain_options *o, int option, const char *v) {
  switch (option) {
  case RETAIN_TOP: return opt_count("retain", "--top", v, &o->top);
  case RETAIN_JSON: o->json = v; break;
  case RETAIN_PID:
    if (opt_count("retain", "--pid", v, &o->pid) != 0) return -1;
    if (o->pid <= 0) {
      errorf("retain: --pid wants a process id, not '%s'", v);
      return -1;
    }
    break;
  case RETAIN_ADDR:
    if (text_address(v, &o->address) != 0) {
      errorf("retain: --addr wants an address (0x7f3a... or decimal), not '%s'", v);
      return -1;
    }
    o->want_chain = 1;
    break;
  }
  return 0;
}

/* FILE, or --pid PID: one of the two. */
static int retain_parse(int argc, char **argv, retain_options *o) {
  memset(o, 0, sizeof *o);
  o->top = 10;
  for (int i = 0; i < argc; i++) {
    const char *v;
    int k = opt_next(cmd_retain_opts, argc, argv, &i, "retain", &v);
    if (k == OPT_BAD) return -1;
    if (k == OPT_UNKNOWN) {
      errorf("retain: unknown option '%s'", argv[i]);
      return -1;
    }
    if (k == OPT_ARG && o->input != NULL) {
      errorf("retain: one input file only (got '%s' and '%s')", o->input, argv[i]);
      return -1;
    }
    if (k == OPT_ARG) o->input = argv[i];
    else if (retain_set(o, k, v) != 0) return -1;
  }
  if (o->input != NULL && o->pid > 0) {
    errorf("retain: a FILE or --pid PID, not both");
    return -1;
  }
  if (o->input == NULL && o->pid == 0) {
    char synopsis[512];
    opt_synopsis(cmd_retain_opts, synopsis, sizeof synopsis);
    errorf("usage: leakscope retain FILE|--pid PID%s", synopsis);
    return -1;
  }
  return 0;
}

/* The snapshot of FILE, prepared, with its retention. */
static snapshot *retain_from_file(const retain_options *o, char *err, size_t errlen) {
  snapshot *snap = load_snapshot(o->input, err, errlen);
  if (snap == NULL) return NULL;
  if (snap->retention == NULL && snap->graph == NULL) {
    snprintf(err, errlen, "%s: no retention data (it needs a full-mode exit snapshot: the agent's raw snapshot, "
             "or a report from leakscope run --report)", o->input);
    snap_free(snap);
    return NULL;
  }
  if (o->want_chain && snap->graph == NULL) {
    snprintf(err, errlen, "%s: --addr needs the retention graph (a raw snapshot, not a report)", o->input);
    snap_free(snap);
    return NULL;
  }
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
  char why[512];
  if (prepare_snapshot(snap, &p, why, sizeof why) != 0 ||
      (snap->retention == NULL && retain_compute_for(snap, o->want_chain, o->address, why, sizeof why) != 0)) {
    snprintf(err, errlen, "%s: %s", o->input, why);
    snap_free(snap);
    return NULL;
  }
  return snap;
}

int cmd_retain(int argc, char **argv) {
  retain_options o;
  if (retain_parse(argc, argv, &o) != 0) return EXIT_USAGE;
  char err[PATH_MAX + 512];
  snapshot *snap = NULL;
  if (o.pid > 0) {
    live_target t;
    int busy;
    if (live_target_of_pid(&t, (int)o.pid, err, sizeof err) == 0)
      snap = live_retain(&t, o.want_chain, o.address, LIVE_RETAIN_TIMEOUT_MS, &busy, err, sizeof err);
  } else {
    snap = retain_from_file(&o, err, sizeof err);
  }
  if (snap == NULL) {
    errorf("%s", err);
    return EXIT_USAGE;
  }
  int rc = EXIT_OK;
  if (o.want_chain) {
    render_retain_chain_text(stdout, snap);
  } else {
    render_retain_live_text(stdout, snap);
    render_retain_text(stdout, snap, (int)o.top);
    if (snap->live.present) render_retain_held_text(stdout, snap, (int)o.top);
  }
  if (o.json != NULL && render_json_report(snap, o.json, err, sizeof err) != 0) {
    errorf("%s", err);
    rc = EXIT_USAGE;
  }
  snap_free(snap);
  return rc;
}
