/*
 * control.h: the agent's control thread (control.c), which writes
 * snapshots while the program runs: on the supervisor's request, on the
 * control signal, every interval, and for the growth watch.
 */
#ifndef LEAKSCOPE_AGENT_CONTROL_H
#define LEAKSCOPE_AGENT_CONTROL_H

#include "base.h"

/* Installs the control signal's handler and starts the thread when any of
 * those is asked for; 0, or -1. */
AG_HIDDEN int control_start(void);

/* Called by the control thread once per turn (every few tens of ms) while
 * it runs, if set: attach.c's checks (new objects, the supervisor's lock). */
AG_HIDDEN extern void (*control_tick_hook)(void);

#endif
