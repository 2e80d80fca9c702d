/*
 * tstate.c: the per-thread state's storage (see tstate.h).
 */
#include "tstate.h"

__thread ag_tstate ag_thread __attribute__((tls_model("initial-exec")));

void (*tstate_pending_hook)(ag_tstate *st);
