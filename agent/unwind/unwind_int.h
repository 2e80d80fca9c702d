/*
 * unwind_int.h: the interface between the stack-capture files of the agent
 * (the rest of the agent sees ../unwind.h only).
 *
 *   unwind.c   the capture: the fast walk over cached rules, the
 *              per-thread state, the libunwind fallback, unwind_check
 *   cache.c    the lock-free table of rules by code address
 *   cfi.c      DWARF call-frame information from .eh_frame: finds a
 *                   pc's FDE (via _dl_find_object and .eh_frame_hdr) and
 *                   reduces its row to one compact rule
 *
 * A rule says how to go from a frame of x86-64 code to its caller's frame:
 * CFA = RSP + k or RBP + k; the return address is at CFA - 8; the caller's
 * RBP is at CFA + m or unchanged; the caller's RSP is the CFA.  It is packed
 * into one 64-bit word so that a cache slot can be read atomically:
 *
 *   bits 0-1   kind (UNWIND_KIND_*; 0 = an empty slot)
 *   bit  2     CFA is based on RBP (else RSP)
 *   bit  3     RBP is saved at CFA + m (else unchanged)
 *   bits 8-31  m, signed
 *   bits 32-63 k, signed
 */
#ifndef LEAKSCOPE_AGENT_UNWIND_INT_H
#define LEAKSCOPE_AGENT_UNWIND_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "unwind.h"

enum {
  UNWIND_KIND_FRAME = 1,      /* an ordinary frame: the rule applies */
  UNWIND_KIND_OUTERMOST = 2,  /* the return address is undefined: the stack ends here */
  UNWIND_KIND_OTHER = 3       /* not expressible (or no FDE): use libunwind */
};

#define UNWIND_RULE_CFA_RBP 4u
#define UNWIND_RULE_RBP_SAVED 8u

static inline unsigned unwind_rule_kind(uint64_t r) { return (unsigned)(r & 3); }
static inline int64_t unwind_rule_cfa_off(uint64_t r) { return (int64_t)r >> 32; }
static inline int64_t unwind_rule_rbp_off(uint64_t r) { return (int32_t)(uint32_t)r >> 8; }

/* Packs a rule; returns an UNWIND_KIND_OTHER rule when an offset does not fit. */
static inline uint64_t unwind_rule_make(int cfa_rbp, int64_t cfa_off, int rbp_saved,
                                        int64_t rbp_off) {
  if (cfa_off < INT32_MIN || cfa_off > INT32_MAX || rbp_off < -(1 << 23) || rbp_off >= (1 << 23))
    return UNWIND_KIND_OTHER;
  return UNWIND_KIND_FRAME | (cfa_rbp ? UNWIND_RULE_CFA_RBP : 0) |
         (rbp_saved ? UNWIND_RULE_RBP_SAVED : 0) | ((uint64_t)(rbp_off & 0xffffff) << 8) |
         ((uint64_t)(uint32_t)(int32_t)cfa_off << 32);
}

/* cfi.c: 0 when this process offers no lock-free lookup (no
 * _dl_find_object): then every capture goes to libunwind. */
AG_HIDDEN int unwind_cfi_init(void);
/* The rule of the row that covers code address pc (for a return address,
 * pass the address minus one: the call instruction).  Never returns 0. */
AG_HIDDEN uint64_t unwind_cfi_rule(uintptr_t pc);

/* cache.c: the rules by code address, in an open-addressing table
 * that readers probe without locks; it grows by replacing itself with a
 * bigger copy (the old one stays mapped for readers still inside it). */
typedef struct {
  _Atomic uintptr_t key;  /* the code address looked up */
  _Atomic uint64_t rule;  /* 0 while being filled or after a flush */
} unwind_slot;

typedef struct {
  uint32_t bits;
  _Atomic uint32_t used;
  unwind_slot slots[];
} unwind_table;

#define UNWIND_PROBES 16

AG_HIDDEN extern _Atomic(unwind_table *) unwind_cache_table;
/* Bumped by every flush: a capture remembered under another generation
 * may have used forgotten rules. */
AG_HIDDEN extern _Atomic uint64_t unwind_cache_gen;
AG_HIDDEN int unwind_cache_init(void);
/* Computes, caches and returns the rule of key (the slow half of the lookup). */
AG_HIDDEN uint64_t unwind_cache_miss(uintptr_t key);

static inline uint32_t unwind_cache_hash(uintptr_t key, uint32_t bits) {
  return (uint32_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

/* The rule of code address key: a hash probe in the steady state. */
static inline uint64_t unwind_cache_rule(uintptr_t key) {
  unwind_table *t = atomic_load_explicit(&unwind_cache_table, memory_order_acquire);
  uint32_t mask = (1u << t->bits) - 1, h = unwind_cache_hash(key, t->bits);
  for (uint32_t i = 0; i < UNWIND_PROBES; i++) {
    unwind_slot *s = &t->slots[(h + i) & mask];
    uintptr_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
    if (k == key) {
      uint64_t rule = atomic_load_explicit(&s->rule, memory_order_relaxed);
      if (AG_LIKELY(rule != 0)) return rule;
      break;
    }
    if (k == 0) break;
  }
  return unwind_cache_miss(key);
}

#endif
