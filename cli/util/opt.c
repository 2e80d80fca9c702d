/*
 * util/opt.c: the option parser and the usage and help text of an option
 * table (see util/opt.h).
 */
#include "util/opt.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "util/text.h"

#define OPT_HELP_COLUMN 21 /* the name and its value, before the help text */

int opt_next(const opt_spec *table, int argc, char **argv, int *i, const char *cmd,
             const char **value) {
  const char *arg = argv[*i];
  *value = NULL;
  if (arg[0] != '-' || arg[1] == '\0') return OPT_ARG;
  for (int k = 0; table[k].name != NULL; k++) {
    const opt_spec *o = &table[k];
    size_t n = strlen(o->name);
    if (strncmp(arg, o->name, n) != 0) continue;
    if (arg[n] == '=' && (o->flags & (OPT_VALUE | OPT_EQUALS))) {
      *value = arg + n + 1;
    } else if (arg[n] != '\0') {
      continue;
    } else if (o->flags & OPT_VALUE) {
      *value = *i + 1 < argc ? argv[++*i] : NULL;
    }
    if ((o->flags & OPT_VALUE) && (*value == NULL || **value == '\0')) {
      errorf("%s: option %s needs a value", cmd, o->name);
      *value = NULL;
      return OPT_BAD;
    }
    if (*value != NULL && strcmp(*value, "--") == 0) { /* "--report -- PROG": the value was forgotten */
      errorf("%s: option %s needs a value (got '--', which ends the options)", cmd, o->name);
      *value = NULL;
      return OPT_BAD;
    }
    return k;
  }
  return OPT_UNKNOWN;
}

int opt_takes_next(const opt_spec *table, const char *arg) {
  for (const opt_spec *o = table; o->name != NULL; o++)
    if ((o->flags & OPT_VALUE) && strcmp(arg, o->name) == 0) return 1;
  return 0;
}

int opt_parse_input(const opt_spec *table, int argc, char **argv, const char *cmd,
                    int (*set)(void *ctx, int option, const char *value), void *ctx,
                    const char **input) {
  *input = NULL;
  for (int i = 0; i < argc; i++) {
    const char *v;
    int k = opt_next(table, argc, argv, &i, cmd, &v);
    if (k == OPT_BAD) return -1;
    if (k == OPT_UNKNOWN) {
      opt_unknown(table, cmd, argv[i]);
      return -1;
    }
    if (k == OPT_ARG && *input != NULL) {
      errorf("%s: one input file only (got '%s' and '%s')", cmd, *input, argv[i]);
      return -1;
    }
    if (k == OPT_ARG) *input = argv[i];
    else if (set(ctx, k, v) != 0) return -1;
  }
  if (*input == NULL) {
    char synopsis[512];
    opt_synopsis(table, synopsis, sizeof synopsis);
    errorf("usage: leakscope %s FILE%s", cmd, synopsis);
    return -1;
  }
  return 0;
}

void opt_unknown(const opt_spec *table, const char *cmd, const char *arg) {
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
  const char *names[64], *starts = NULL;
  size_t n = 0, nstarts = 0;
  for (const opt_spec *o = table; o->name != NULL && n < 64; o++) {
    if (o->flags & OPT_HIDDEN) continue;
    names[n++] = o->name;
    if (strlen(name) > 2 && strncmp(o->name, name, strlen(name)) == 0) {
      starts = o->name;
      nstarts++;
    }
  }
  const char *near = text_nearest(name, names, n);
  if (near == NULL && nstarts == 1) near = starts;
  if (near != NULL)
    errorf("%s: unknown option '%s' (did you mean '%s'? see leakscope %s --help)", cmd, arg, near, cmd);
  else
    errorf("%s: unknown option '%s' (see leakscope %s --help)", cmd, arg, cmd);
}

int opt_count(const char *cmd, const char *name, const char *value, long *out) {
  char *end;
  *out = strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || *out < 0) {
    errorf("%s: %s wants a number >= 0, not '%s'", cmd, name, value);
    return -1;
  }
  return 0;
}

void opt_synopsis(const opt_spec *table, char *buf, size_t buflen) {
  size_t at = 0;
  buf[0] = '\0';
  for (const opt_spec *o = table; o->name != NULL; o++) {
    if (o->flags & OPT_HIDDEN) continue;
    int required = (o->flags & OPT_REQUIRED) != 0;
    text_append(buf, buflen, &at, " %s%s%s%s", required ? "" : "[", o->name, o->arg ? o->arg : "",
                required ? "" : "]");
  }
}

void opt_help(FILE *out, const opt_spec *table) {
  for (const opt_spec *o = table; o->name != NULL; o++) {
    if (o->help == NULL) continue;
    int width = (int)(strlen(o->name) + (o->arg ? strlen(o->arg) : 0));
    fprintf(out, "  %s%s%*s", o->name, o->arg ? o->arg : "",
            width < OPT_HELP_COLUMN - 1 ? OPT_HELP_COLUMN - width : 2, "");
    for (const char *h = o->help;;) {
      const char *nl = strchr(h, '\n');
      if (nl == NULL) {
        fprintf(out, "%s\n", h);
        if ((o->flags & OPT_EQUALS) && o->arg != NULL && strncmp(o->arg, "[=", 2) == 0) /* "[=BYTES]" */
          fprintf(out, "%*s(a value only as %s=%.*s, never as the next argument)\n", OPT_HELP_COLUMN + 2, "",
                  o->name, (int)strcspn(o->arg + 2, "]"), o->arg + 2);
        break;
      }
      fprintf(out, "%.*s\n%*s", (int)(nl - h), h, OPT_HELP_COLUMN + 2, "");
      h = nl + 1;
    }
  }
}
