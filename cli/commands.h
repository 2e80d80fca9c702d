/*
 * commands.h: the subcommands of `leakscope`, one file each at the top of
 * cli/ (cmd_NAME in NAME.c; cmd_retain in retain_cmd.c, beside
 * analyze/retain.c; run also has supervise.c, attach has inject.c).  Each takes the arguments
 * after its name and returns the exit status of the command.  Each also
 * has its option table, cmd_NAME_opts, which its parser reads and from
 * which main.c writes `leakscope help NAME` (and `NAME --help`); the man
 * page (docs/leakscope.1) lists the same options.
 */
#ifndef LEAKSCOPE_COMMANDS_H
#define LEAKSCOPE_COMMANDS_H

#include "util/opt.h"

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_retain(int argc, char **argv);

extern const opt_spec cmd_run_opts[];
extern const opt_spec cmd_attach_opts[];
extern const opt_spec cmd_report_opts[];
extern const opt_spec cmd_diff_opts[];
extern const opt_spec cmd_gate_opts[];
extern const opt_spec cmd_flame_opts[];
extern const opt_spec cmd_retain_opts[];

#endif
