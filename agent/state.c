/*
 * state.c: the agent's state (see state.h); agent.c changes it.
 */
#include "state.h"

ag_state_t ag_state = {.phase = AG_UNINIT, .exit_status = -1};
