/*
 * got.h: the GOT entries of the loaded objects (got.c), for an agent that
 * was loaded into a running program by `leakscope attach` and cannot
 * interpose by symbol lookup: every object's dynamic relocations against
 * the malloc family (JUMP_SLOT, GLOB_DAT, and 64-bit data pointers without
 * addend) are found from its dynamic section in memory and redirected to
 * the agent's functions, and put back at detach.  Read-only pages (RELRO)
 * are made writable for the write and read-only again.  Nothing here
 * allocates with malloc; patching and restoring take one lock of their
 * own, never one the allocation path takes.
 */
#ifndef LEAKSCOPE_AGENT_GOT_H
#define LEAKSCOPE_AGENT_GOT_H

#include <stdint.h>

#include "base.h"

/* A symbol whose entries are redirected: entries that hold expected (the
 * definition the program uses now: glibc's), or that are not bound yet
 * (a lazy PLT entry that still points into its own object), get
 * replacement; entries bound to any other definition are left alone. */
typedef struct {
  const char *name;
  uintptr_t expected;
  uintptr_t replacement;
} got_redirect;

/* Redirects the entries of table[0..n-1] in every loaded object but the
 * agent and ld.so, recording each for got_restore; objects already
 * patched keep their entries (a second call patches only what is new).
 * Returns the number of entries changed, or -1 when the record ran out of
 * memory (what was changed is recorded). */
AG_HIDDEN int got_redirect_all(const got_redirect *table, int n);

/* 1 when the last got_redirect_all left an object for later: it was
 * being loaded (relocated) by another thread at the time. */
AG_HIDDEN int got_retry(void);

/* Entries that still hold their replacement get their original value
 * back, in the objects that are still mapped; the record is emptied.
 * Needs no loader lock and allocates nothing (also for a fork child).
 * Returns the number of entries restored. */
AG_HIDDEN int got_restore(void);

/* Entries recorded and not restored. */
AG_HIDDEN int got_patched(void);

/* A counter of the loader's that changes whenever an object is loaded
 * (dl_iterate_phdr's dlpi_adds): the caller patches again when it moves. */
AG_HIDDEN unsigned long long got_load_count(void);

/* The main program's canonical PLT entry for name (a program that is not
 * PIE and takes the address of an undefined function gets one: function
 * pointers to it everywhere, GLOB_DAT entries included, hold that address,
 * which jumps through the program's own JUMP_SLOT); 0 if it has none. */
AG_HIDDEN uintptr_t got_canonical_plt(const char *name);

/* The address of a `ret` instruction in the object whose code holds pc
 * (the main program's when none does): the end of its DT_FINI or DT_INIT
 * function, else any 0xc3 byte of its code; 0 if there is none. */
AG_HIDDEN uintptr_t got_ret_gadget(uintptr_t pc);

/* 1 when the agent was loaded with the program (LD_PRELOAD: it comes
 * before libc in the loader's list), 0 when it was dlopen'ed later. */
AG_HIDDEN int got_agent_loaded_at_start(void);

#endif
