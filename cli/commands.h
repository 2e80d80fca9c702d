/*
 * commands.h: the subcommands of `leakscope`, one file each at the top of
 * cli/ (cmd_NAME in NAME.c; cmd_retain in retain_cmd.c, beside
 * analyze/retain.c; run also has supervise.c, attach has inject.c).  Each takes the arguments
 * after its name and returns the exit status of the command.
 */
#ifndef LEAKSCOPE_COMMANDS_H
#define LEAKSCOPE_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_retain(int argc, char **argv);

#endif
