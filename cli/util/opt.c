/*
 * util/opt.c: options with a value (see util/opt.h).
 */
#include "util/opt.h"

#include <string.h>

#include "util/msg.h"

int opt_value(int argc, char **argv, int *i, const char *cmd, const char *name, const char **value) {
  size_t n = strlen(name);
  const char *arg = argv[*i];
  if (strncmp(arg, name, n) != 0 || (arg[n] != '=' && arg[n] != '\0')) return 0;
  if (arg[n] == '=') *value = arg + n + 1;
  else *value = *i + 1 < argc ? argv[++*i] : NULL;
  if (*value == NULL || **value == '\0') {
    errorf("%s: option %s needs a value", cmd, name);
    *value = NULL;
  }
  return 1;
}
