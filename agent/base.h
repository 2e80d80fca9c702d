/*
 * base.h: what every file of the agent shares, and nothing more: symbol
 * visibility and branch hints.  The agent's files and the order in which
 * they may depend on each other are in docs/ARCHITECTURE.md ("The agent's
 * modules"); scripts/check-includes.py enforces that order.
 *
 * Rules for all of the agent: it links libc only; its memory comes from
 * sys_map(), never from malloc; nothing may allocate with the hooked malloc
 * while tracking; the sampled fast path takes no lock.  Functions return 0
 * on success and -1 on failure unless their header says otherwise.
 */
#ifndef LEAKSCOPE_AGENT_BASE_H
#define LEAKSCOPE_AGENT_BASE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every function shared between the agent's files; the .so exports only
 * the malloc family and the C API (hooks.c, api.c). */
#define AG_HIDDEN __attribute__((visibility("hidden")))
#define AG_EXPORT __attribute__((visibility("default")))
#define AG_LIKELY(x) __builtin_expect(!!(x), 1)
#define AG_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif
