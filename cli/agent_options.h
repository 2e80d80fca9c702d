/*
 * agent_options.h: the agent's options (agent/options.def, the one table
 * of them) as the command uses them: AGENT_KEY(name) is the key written
 * into LEAKSCOPE_OPTIONS (a misspelt name does not compile) and
 * AGENT_DEFAULT(name) its default, for the options of `leakscope run` that
 * pass a value through to the agent.
 */
#ifndef LEAKSCOPE_CLI_AGENT_OPTIONS_H
#define LEAKSCOPE_CLI_AGENT_OPTIONS_H

enum {
#define AG_OPTION(key, type, def, help) AGENT_OPTION_##key,
#include "options.def"
#undef AG_OPTION
  AGENT_OPTIONS
};

/* The type of each default, as the table writes it. */
typedef long long agent_default_BOOL, agent_default_INT, agent_default_SIZE, agent_default_MODE,
    agent_default_SAMPLE, agent_default_DEPTH, agent_default_BUDGET, agent_default_UNWIND, agent_default_WARNINGS;
typedef double agent_default_SECONDS;
typedef const char *agent_default_PATH;

#define AG_OPTION(key, type, def, help) static const agent_default_##type agent_default_##key = def;
#include "options.def"
#undef AG_OPTION

#define AGENT_KEY(name) ((void)AGENT_OPTION_##name, #name)
#define AGENT_DEFAULT(name) agent_default_##name

#endif
