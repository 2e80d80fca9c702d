/*
 * util/opt.h: command-line options, declared as a table per command and
 * read by one parser (util/opt.c), which also writes the usage line and
 * the help lines from the same table.
 *
 *   static const opt_spec report_opts[] = {
 *       {"--top", OPT_VALUE, " N", NULL},
 *       {"--lifetimes", 0, NULL, NULL},
 *       {NULL, 0, NULL, NULL},
 *   };
 *
 * An option with a value takes it as "--name VALUE" or "--name=VALUE"
 * (OPT_VALUE), or only as "--name=VALUE" (OPT_EQUALS: the value is
 * optional, so the next argument is never taken for it; opt_help says
 * so).  A value is never "--": that ends the options, so the value
 * was forgotten.  An option without a value matches its name only.  Names
 * never match by prefix.
 */
#ifndef LEAKSCOPE_UTIL_OPT_H
#define LEAKSCOPE_UTIL_OPT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  const char *name;  /* "--top", "-o"; NULL ends the table */
  unsigned flags;
  const char *arg;   /* its value as the usage shows it, with what comes before it:
                      * " N", "[=BYTES]", " [OUT]"; NULL for none */
  const char *help;  /* the text of its help line (opt_help), NULL for none */
} opt_spec;

enum {
  OPT_VALUE = 1,    /* "--name VALUE" or "--name=VALUE"; a missing or empty value is an error */
  OPT_EQUALS = 2,   /* "--name" alone, or "--name=VALUE" (any value, even empty) */
  OPT_REQUIRED = 8, /* shown without brackets in the usage line */
  OPT_HIDDEN = 16   /* not shown: another name of an option, or -h */
};

/* What opt_next found besides an option of the table (whose index it returns). */
enum {
  OPT_ARG = -1,     /* not an option: it does not start with '-', or is "-" */
  OPT_UNKNOWN = -2, /* an option the table does not have */
  OPT_BAD = -3      /* an option whose value is missing or "--": one line was printed,
                     * "CMD: option NAME needs a value" */
};

/* Read argv[*i]: the index of its option in table (with its value in
 * *value, *i moved past a separate one; NULL when it has none), or one of
 * the results above. */
int opt_next(const opt_spec *table, int argc, char **argv, int *i, const char *cmd,
             const char **value);

/* Is arg an option of table whose value is the next argument ("--top"
 * of "--top 5")?  Prints nothing. */
int opt_takes_next(const opt_spec *table, const char *arg);

/* The whole command line of a command that reads one file: each option of
 * table goes to set(ctx, index, value), which returns 0, or -1 after its
 * own message; the argument that is not an option is *input.  An unknown
 * option ("CMD: unknown option 'X'"), a second input ("CMD: one input file
 * only (got 'A' and 'B')") or none ("usage: leakscope CMD FILE [...]") is
 * an error.  0, or -1 after one line on stderr. */
int opt_parse_input(const opt_spec *table, int argc, char **argv, const char *cmd,
                    int (*set)(void *ctx, int option, const char *value), void *ctx,
                    const char **input);

/* The line for an option table does not have: "CMD: unknown option 'X'
 * (did you mean '--Y'?  see leakscope CMD --help)", the suggestion when
 * one option is near X (util/text.h's text_nearest) or starts with it. */
void opt_unknown(const opt_spec *table, const char *cmd, const char *arg);

/* A count (--top N): N >= 0 in *out, else an error ("CMD: NAME wants a
 * number >= 0, not 'V'").  0, or -1. */
int opt_count(const char *cmd, const char *name, const char *value, long *out);

/* The options of the usage line, each after a space: " --config FILE
 * [--json OUT] [--lifetimes]"; into buf. */
void opt_synopsis(const opt_spec *table, char *buf, size_t buflen);

/* One help line per option with help: "  --report FILE        TEXT", the
 * text in a column 23 characters in (further lines of a help text too);
 * an optional value shown "[=VALUE]" gets a line saying it is taken only
 * after "=". */
void opt_help(FILE *out, const opt_spec *table);

#endif
