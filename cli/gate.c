/*
 * gate.c: `leakscope gate --config FILE [--json OUT] [--sarif OUT]
 * [--junit OUT] [--source-root DIR] [--depth N] INPUT...`: thresholds over Valgrind
 * XML, leakscope reports and profiles, for CI.
 *
 * Exit 0 when every rule passes, 1 on a breach, 2 when the config or an
 * input is unusable (one line on stderr, and no output file written: all
 * outputs go to OUT.tmp first and are renamed only when all are written).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "gate/config.h"
#include "gate/data.h"
#include "gate/output.h"
#include "gate/rules.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/outfile.h"

enum { GATE_CONFIG, GATE_JSON, GATE_SARIF, GATE_JUNIT, GATE_SOURCE_ROOT, GATE_OUTPUT_DIR, GATE_DEPTH };
const opt_spec cmd_gate_opts[] = {
    [GATE_CONFIG] = {"--config", OPT_VALUE | OPT_REQUIRED, " FILE", "the YAML thresholds (required)"},
    [GATE_JSON] = {"--json", OPT_VALUE, " OUT",
                   "the result as JSON (default assert_result.json in --output-dir)"},
    [GATE_SARIF] = {"--sarif", OPT_VALUE, " OUT", "the failures as SARIF 2.1.0, for code scanning"},
    [GATE_JUNIT] = {"--junit", OPT_VALUE, " OUT", "the rules as JUnit XML test cases"},
    [GATE_SOURCE_ROOT] = {"--source-root", OPT_VALUE, " DIR",
                          "source paths under DIR become relative in SARIF"},
    [GATE_OUTPUT_DIR] = {"--output-dir", OPT_VALUE, " DIR",
                         "where assert_result.json goes without --json (default the\n"
                         "temporary directory, as assert_result.PID.json)"},
    [GATE_DEPTH] = {"--depth", OPT_VALUE, " N",
                    "frames shown of each worst offender's stack on stdout (default 4;\n"
                    "0: the whole stack)"},
    {NULL, 0, NULL, NULL},
};

/* "usage: leakscope gate --config FILE [...] INPUT..." into buf. */
static void gate_usage(char *buf, size_t buflen) {
  char synopsis[256];
  opt_synopsis(cmd_gate_opts, synopsis, sizeof synopsis);
  snprintf(buf, buflen, "usage: leakscope gate%s INPUT...", synopsis);
}

typedef struct {
  const char *config, *json, *sarif, *junit, *source_root, *output_dir, *depth_text;
  unsigned depth;           /* frames of a worst offender on stdout (0: all) */
  char **inputs;
  int ninputs;
  int json_unnamed;         /* json is the default one: announce where it went */
  char cwd[4096];
  char json_default[4096];
} gate_args;

static int parse_args(int argc, char **argv, gate_args *a) {
  memset(a, 0, sizeof *a);
  a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
  if (a->inputs == NULL) {
    errorf("out of memory");
    return -1;
  }
  char usage[320];
  gate_usage(usage, sizeof usage);
  const char **values[] = {[GATE_CONFIG] = &a->config, [GATE_JSON] = &a->json, [GATE_SARIF] = &a->sarif,
                           [GATE_JUNIT] = &a->junit, [GATE_SOURCE_ROOT] = &a->source_root,
                           [GATE_OUTPUT_DIR] = &a->output_dir, [GATE_DEPTH] = &a->depth_text};
  int bad = 0, only_inputs = 0;
  for (int i = 0; i < argc && !bad; i++) {
    if (only_inputs || argv[i][0] != '-') {
      a->inputs[a->ninputs++] = argv[i];
      continue;
    }
    if (strcmp(argv[i], "--") == 0) {
      only_inputs = 1;
      continue;
    }
    const char *v;
    int k = opt_next(cmd_gate_opts, argc, argv, &i, "gate", &v);
    if (k >= 0) {
      *values[k] = v;
    } else if (k == OPT_BAD) {
      bad = 1;
    } else {
      opt_unknown(cmd_gate_opts, "gate", argv[i]);
      bad = 1;
    }
  }
  a->depth = GATE_TEXT_DEPTH;
  long depth;
  if (!bad && a->depth_text != NULL) {
    bad = opt_count("gate", "--depth", a->depth_text, &depth) != 0;
    if (!bad) a->depth = depth > 1000 ? 1000 : (unsigned)depth;
  }
  if (!bad && a->config == NULL) {
    errorf("gate: --config FILE is required (%s)", usage);
    bad = 1;
  }
  if (!bad && a->ninputs == 0) {
    errorf("gate: no INPUT given (%s)", usage);
    bad = 1;
  }
  if (bad) {
    free(a->inputs);
    return -1;
  }
  if (a->json == NULL) { /* never the current directory unasked */
    char name[64];
    if (a->output_dir != NULL) snprintf(name, sizeof name, "assert_result.json");
    else snprintf(name, sizeof name, "assert_result.%d.json", (int)getpid());
    outfile_in_dir(a->output_dir, name, a->json_default, sizeof a->json_default);
    a->json = a->json_default;
    a->json_unnamed = 1;
  }
  /* SARIF URIs are relative to the repository; CI runs from its root. */
  if (a->source_root == NULL) a->source_root = getcwd(a->cwd, sizeof a->cwd);
  return 0;
}

/* The outputs: each written through NAME.tmp and finished, then all
 * renamed into place; when one fails, none is left. */
static int write_outputs(const gate_args *a, gate_results *res, gate_data *d) {
  const char *paths[3] = {a->json, a->sarif, a->junit};
  outfile outs[3];
  memset(outs, 0, sizeof outs);
  int opened = 0, rc = 0;
  char err[512] = "";
  for (int i = 0; i < 3 && rc == 0; i++, opened = i) {
    if (paths[i] == NULL) continue;
    FILE *f = outfile_open(&outs[i], paths[i], err, sizeof err);
    if (f == NULL) {
      rc = -1;
      break;
    }
    if (i == 0) rc = gate_json_write(res, d, f, outs[i].tmp, err, sizeof err);
    else if (i == 1) rc = gate_sarif_write(d, a->source_root, f, outs[i].tmp, err, sizeof err);
    else gate_junit_write(res, d, f);
    if (rc == 0) rc = outfile_finish(&outs[i], err, sizeof err);
  }
  for (int i = 0; i < opened && rc == 0; i++)
    if (paths[i] != NULL) rc = outfile_commit(&outs[i], err, sizeof err);
  for (int i = 0; i < opened; i++) outfile_abort(&outs[i]);
  if (rc != 0) errorf("gate: %s", err);
  else if (a->json_unnamed) notef("gate: result written to %s", a->json);
  return rc;
}

int cmd_gate(int argc, char **argv) {
  gate_args a;
  if (parse_args(argc, argv, &a) != 0) return EXIT_USAGE;
  char err[1024] = "";
  gate_config cfg;
  gate_data *d = NULL;
  gate_results res = {0};
  int status = EXIT_USAGE;
  if (gate_config_load(&cfg, a.config, err, sizeof err) != 0) {
    errorf("gate: %s", err);
    free(a.inputs);
    return EXIT_USAGE;
  }
  d = gate_data_new();
  if (d == NULL) {
    errorf("out of memory");
    goto out;
  }
  for (int i = 0; i < a.ninputs; i++)
    if (gate_collect(d, a.inputs[i], err, sizeof err) != 0) {
      errorf("gate: %s", err);
      goto out;
    }
  if (gate_rules_eval(&cfg, d, &res, err, sizeof err) != 0) {
    errorf("gate: %s", err);
    goto out;
  }
  if (write_outputs(&a, &res, d) != 0) goto out;
  gate_text_write(stdout, &res, d, a.depth);
  status = res.pass ? EXIT_OK : EXIT_BREACH;
out:
  gate_rules_free(&res);
  gate_data_free(d);
  gate_config_free(&cfg);
  free(a.inputs);
  return status;
}
