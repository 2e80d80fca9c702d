/*
 * options.h: the agent's options (the table is options.def), read once
 * from LEAKSCOPE_OPTIONS by options_parse() before tracking starts and
 * never written afterwards.  Every other file reads ag_opt.KEY.
 */
#ifndef LEAKSCOPE_AGENT_OPTIONS_H
#define LEAKSCOPE_AGENT_OPTIONS_H

#include <signal.h>
#include <stdint.h>

#include "base.h"

#define OPTIONS_MAX_DEPTH 64
#define OPTIONS_PATH_MAX 512

enum { AG_MODE_FULL = 0, AG_MODE_SAMPLE = 1 };
enum { AG_BUDGET_WARN = 0, AG_BUDGET_DUMP = 1, AG_BUDGET_ABORT = 2 };
enum { AG_UNWIND_FAST = 0, AG_UNWIND_LIBUNWIND = 1 };
enum { AG_WARNINGS_STDERR = 0, AG_WARNINGS_SNAPSHOT = 1 };

typedef struct {
  uint64_t bytes; /* 0: no budget */
  int action;     /* AG_BUDGET_* */
} ag_budget;

/* The C type of each option type of options.def. */
typedef int options_BOOL;
typedef int options_INT;
typedef uint64_t options_SIZE;
typedef double options_SECONDS;
typedef char options_PATH[OPTIONS_PATH_MAX];
typedef int options_MODE;
typedef uint64_t options_SAMPLE;
typedef int options_DEPTH;
typedef ag_budget options_BUDGET;
typedef int options_UNWIND;
typedef int options_WARNINGS;

typedef struct {
#define AG_OPTION(key, type, def, help) options_##type key;
#include "options.def"
#undef AG_OPTION
} ag_options;

AG_HIDDEN extern ag_options ag_opt;

/* Set every option to its default, then read text (NULL: defaults only).
 * Problems are counted and the first one kept: see options_problem. */
AG_HIDDEN void options_parse(const char *text);
/* The first problem options_parse met, as "unknown option 'x'" or "bad
 * value for depth", or NULL; and how many there were. */
AG_HIDDEN const char *options_problem(int *count);

static inline int options_sample_mode(void) { return ag_opt.mode == AG_MODE_SAMPLE; }
/* The signal that parks threads for the exit scan (0 in the table: SIGRTMAX - 3). */
static inline int options_stop_signal(void) { return ag_opt.stop_signal > 0 ? ag_opt.stop_signal : SIGRTMAX - 3; }

#endif
