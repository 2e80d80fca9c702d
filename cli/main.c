/*
 * main.c: the `leakscope` command: dispatch to a subcommand, and the help
 * of each (`leakscope help CMD`, `leakscope CMD --help`), written from its
 * option table; --version; a suggestion for a mistyped command.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/text.h"
#include "util/version.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const opt_spec *opts;
  const char *operands;   /* after the options in the usage line */
  const char *summary;    /* one line, for `leakscope --help` */
  const char *about;      /* a paragraph, for `leakscope help NAME` */
  int operand_ends_options; /* run: the program's own options follow its name */
} command;

static const command commands[] = {
    {"run", cmd_run, cmd_run_opts, "-- PROG [ARGS...]", "run PROG under the agent and report its leaks",
     "Runs PROG with the agent preloaded. At exit, the leaks (full mode, the default) or the sampled\n"
     "heap (--sample) are summarized on stderr as memcheck does, and written to the files asked for.\n"
     "The exit status is PROG's, unless --error-exitcode applies.",
     1},
    {"attach", cmd_attach, cmd_attach_opts, "PID", "profile a running program (sampled) until detach",
     "Loads the agent into the running process PID (ptrace), samples its allocations until detach\n"
     "(--duration, Ctrl-C or SIGTERM), then writes what it saw and leaves the process as it was.",
     0},
    {"report", cmd_report, cmd_report_opts, "FILE", "summary of a report, raw snapshot or profile",
     "Reads a raw snapshot, a JSON report, a pprof profile or Valgrind XML, prints the leak summary\n"
     "(when the input has a leak check) and the top allocation sites, and converts it on request.",
     0},
    {"diff", cmd_diff, cmd_diff_opts, "BASE NEW", "allocation sites ranked by growth",
     "Matches the allocation sites of two inputs (any format report reads) by their stacks and ranks\n"
     "them by growth from BASE to NEW.",
     0},
    {"gate", cmd_gate, cmd_gate_opts, "INPUT...", "check inputs against CI thresholds",
     "Evaluates the YAML thresholds of --config against Valgrind XML, leakscope reports, profiles and\n"
     "raw snapshots; exit 1 when a threshold is passed (see docs/CI.md).",
     0},
    {"flame", cmd_flame, cmd_flame_opts, "PROFILE", "flame graph of a profile",
     "Merges the allocation stacks of any input into a call tree and writes it as an SVG flame graph\n"
     "and/or as folded stacks (flamegraph.pl, speedscope, inferno).",
     0},
    {"retain", cmd_retain, cmd_retain_opts, "[FILE]", "who holds the still-reachable memory",
     "Names the variables, threads and structures that hold a report's still-reachable memory, with\n"
     "the memory each retains and the pointer path to it. FILE, or with --pid a program running under\n"
     "leakscope run is asked now (stopped a few milliseconds while a copy of it is made).",
     0},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void main_usage(FILE *out) {
  fprintf(out, "usage: leakscope COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n  leakscope help COMMAND (or leakscope COMMAND --help) lists a command's options;\n"
               "  leakscope --version prints the version; man leakscope has them all.\n");
}

static void main_help(FILE *out, const command *c) {
  if (c->operand_ends_options) {
    fprintf(out, "usage: leakscope %s [OPTIONS] %s\n", c->name, c->operands);
  } else {
    char synopsis[1024];
    opt_synopsis(c->opts, synopsis, sizeof synopsis);
    fprintf(out, "usage: leakscope %s%s %s\n", c->name, synopsis, c->operands);
  }
  fprintf(out, "\n%s\n\noptions:\n", c->about);
  opt_help(out, c->opts);
  fprintf(out, "  -h, --help           this help\n");
}

static const command *main_find(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(name, commands[i].name) == 0) return &commands[i];
  return NULL;
}

static int main_unknown_command(const char *name) {
  const char *names[NCOMMANDS + 1];
  for (size_t i = 0; i < NCOMMANDS; i++) names[i] = commands[i].name;
  names[NCOMMANDS] = "help";
  const char *near = text_nearest(name, names, NCOMMANDS + 1);
  if (near != NULL)
    errorf("unknown command '%s' (did you mean '%s'? see leakscope --help)", name, near);
  else
    errorf("unknown command '%s' (see leakscope --help)", name);
  return EXIT_USAGE;
}

static int main_is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

/* Is --help (or -h) among the command's options?  An option's value is
 * not taken for one; the options end at "--", and for run at the program. */
static int main_asks_help(const command *c, int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (main_is_help(argv[i])) return 1;
    if (opt_takes_next(c->opts, argv[i])) i++;
    else if ((argv[i][0] != '-' || argv[i][1] == '\0') && c->operand_ends_options) return 0;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    main_usage(stderr);
    return EXIT_USAGE;
  }
  if (main_is_help(argv[1]) || (strcmp(argv[1], "help") == 0 && argc == 2)) {
    main_usage(stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("leakscope %s\n", LEAKSCOPE_VERSION);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "help") == 0) {
    const command *c = main_find(argv[2]);
    if (c == NULL) return main_unknown_command(argv[2]);
    main_help(stdout, c);
    return EXIT_OK;
  }
  const command *c = main_find(argv[1]);
  if (c == NULL) return main_unknown_command(argv[1]);
  if (main_asks_help(c, argc - 2, argv + 2)) {
    main_help(stdout, c);
    return EXIT_OK;
  }
  return c->fn(argc - 2, argv + 2);
}
