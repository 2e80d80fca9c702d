/*
 * agent_options_test.c: unit test of agent/options.c: the defaults of
 * options.def, every value type, the clamping of depth, sample= selecting
 * sample mode, budget actions, and that unknown keys and bad values are
 * counted and named while the valid ones around them still apply.
 */
#include <string.h>

#include "harness/check.h"
#include "options.h"

int main(void) {
  options_parse(NULL);
  CHECK(ag_opt.mode == AG_MODE_FULL);
  CHECK(ag_opt.sample == 524288);
  CHECK(strcmp(ag_opt.out, "leakscope.%p.raw") == 0);
  CHECK(ag_opt.depth == 24);
  CHECK(ag_opt.zero == 1 && ag_opt.leak_check == 1 && ag_opt.retain == 1);
  CHECK(ag_opt.control == 0 && ag_opt.warnings == AG_WARNINGS_STDERR);
  CHECK(ag_opt.growth_window == 60);
  CHECK(ag_opt.budget.bytes == 0 && ag_opt.budget.action == AG_BUDGET_WARN);
  CHECK(options_problem(NULL) == NULL);

  options_parse("sample=64K,depth=200,out=/tmp/x.%p.raw budget=1M:abort,interval=0.25,zero=0");
  CHECK(ag_opt.mode == AG_MODE_SAMPLE, "sample= selects sample mode");
  CHECK(ag_opt.sample == 65536);
  CHECK(ag_opt.depth == 64, "depth is clamped to 64, got %d", ag_opt.depth);
  CHECK(strcmp(ag_opt.out, "/tmp/x.%p.raw") == 0);
  CHECK(ag_opt.budget.bytes == 1u << 20 && ag_opt.budget.action == AG_BUDGET_ABORT);
  CHECK(ag_opt.interval == 0.25);
  CHECK(ag_opt.zero == 0);
  CHECK(options_problem(NULL) == NULL);

  options_parse("mode=sample,depth=0,unwind=libunwind,budget=5G:dump,target=-1,warnings=snapshot");
  CHECK(ag_opt.warnings == AG_WARNINGS_SNAPSHOT);
  CHECK(ag_opt.mode == AG_MODE_SAMPLE && ag_opt.sample == 524288);
  CHECK(ag_opt.depth == 1);
  CHECK(ag_opt.unwind == AG_UNWIND_LIBUNWIND);
  CHECK(ag_opt.budget.bytes == 5ull << 30 && ag_opt.budget.action == AG_BUDGET_DUMP);
  CHECK(ag_opt.target == -1);

  /* problems: the first is named, all are counted, the rest still applies */
  int count = 0;
  options_parse("bogus=1,depth=abc,quiet=1,mode=fast,budget=1M:explode,sample=0,zero=2");
  const char *problem = options_problem(&count);
  CHECK(problem != NULL && strcmp(problem, "unknown option 'bogus'") == 0, "got %s", problem);
  CHECK(count == 6, "six problems, got %d", count);
  CHECK(ag_opt.quiet == 1);
  CHECK(ag_opt.depth == 24 && ag_opt.mode == AG_MODE_FULL && ag_opt.zero == 1);
  CHECK(ag_opt.budget.bytes == 0);
  options_parse("depth=12x");
  CHECK(options_problem(NULL) != NULL && strcmp(options_problem(NULL), "bad value for 'depth'") == 0);
  options_parse(",, ,depth=8,,");
  CHECK(options_problem(NULL) == NULL && ag_opt.depth == 8, "empty items are skipped");
  return failures != 0;
}
