/*
 * util/opt.h: command-line options with a value, the same for every command:
 * "--name VALUE" or "--name=VALUE".
 */
#ifndef LEAKSCOPE_OPT_H
#define LEAKSCOPE_OPT_H

/* If argv[*i] is the option `name`, returns 1 and sets *value (moving *i
 * past a separate value).  A missing or empty value prints one line
 * ("CMD: option NAME needs a value") and sets *value to NULL.  Returns 0,
 * leaving everything alone, for any other argument. */
int opt_value(int argc, char **argv, int *i, const char *cmd, const char *name, const char **value);

#endif
