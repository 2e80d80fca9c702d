/*
 * main.c: the `leakscope` command: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util/msg.h"

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *usage;
} command;

static const command commands[] = {
    {"run", cmd_run, "run [OPTIONS] -- PROG [ARGS...]   run PROG under the agent"},
    {"attach", cmd_attach, "attach [OPTIONS] PID              profile a running program (sampled) until detach"},
    {"report", cmd_report, "report [OPTIONS] FILE             summary of a report, raw snapshot or profile"},
    {"diff", cmd_diff, "diff BASE NEW                     allocation sites ranked by growth"},
    {"gate", cmd_gate, "gate --config FILE [--json OUT] [--sarif OUT] [--junit OUT] [--source-root DIR] INPUT..."},
    {"flame", cmd_flame, "flame PROFILE -o OUT.svg | --folded   flame graph of a profile"},
    {"retain", cmd_retain, "retain FILE [--top N] [--json OUT]   who holds the still-reachable memory"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: leakscope COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(out, "  leakscope %s\n", commands[i].usage);
  fprintf(out, "\nSee README.md for every option.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 2, argv + 2);
  errorf("unknown command '%s' (try 'leakscope --help')", argv[1]);
  return EXIT_USAGE;
}
