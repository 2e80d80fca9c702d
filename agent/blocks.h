/*
 * blocks.h: full mode's record of every live block, kept in the block
 * itself (blocks.c): the agent asks glibc for OFFSET more bytes and hands
 * the program the block OFFSET bytes in; the 16 bytes just before the
 * program's pointer are the header: a tag that only this address can
 * have (a hash of the address and a secret drawn at start-up, with the
 * offset in its low byte) and the size and stack id.  A free finds what
 * it needs in the cache line glibc's free reads anyway, without a table
 * or a lock; a pointer without a valid tag (allocated before tracking, or
 * by glibc for itself) goes to glibc as it is.  The list of live blocks is
 * rebuilt when a snapshot or the leak scan wants it, by looking for tags
 * in the process's heap mappings.
 *
 * The offset is 16 bytes, or the alignment the program asked for when it
 * is larger (memalign and friends), or a page (internal blocks in sample
 * mode: their frees must miss sample mode's fast path).
 */
#ifndef LEAKSCOPE_AGENT_BLOCKS_H
#define LEAKSCOPE_AGENT_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "stacktab.h"

#define BLOCKS_HEADER 16
#define BLOCKS_MIN_SHIFT 4 /* the offset is 1 << shift bytes, at least the header */
#define BLOCKS_STACK_BITS 24
/* The stack id of internal blocks (allocated while the agent works): roots, never reported. */
#define BLOCKS_STACK_INTERNAL ((1u << BLOCKS_STACK_BITS) - 1)
#define BLOCKS_SIZE_MAX ((UINT64_C(1) << (64 - BLOCKS_STACK_BITS)) - 1)
_Static_assert(STACKTAB_MAX_IDS < BLOCKS_STACK_INTERNAL, "stack ids fit below the internal marker");

typedef struct {
  uint64_t tag;
  uint64_t meta; /* size << BLOCKS_STACK_BITS | stack */
} blocks_header;
_Static_assert(sizeof(blocks_header) == BLOCKS_HEADER, "the header is 16 bytes");

/* Drawn once when tracking starts; 0 until then (no block has a header). */
AG_HIDDEN extern uint64_t blocks_secret;
AG_HIDDEN void blocks_init(void);

static inline uint64_t blocks_tag(uintptr_t p, unsigned shift) {
  uint64_t h = ((uint64_t)p >> 4) * 0x9e3779b97f4a7c15u ^ blocks_secret;
  h ^= h >> 29;
  return (h & ~(uint64_t)0xff) | shift;
}

typedef struct {
  void *glibc;    /* the block glibc gave (what __libc_free takes) */
  size_t size;    /* the program's size */
  uint32_t stack; /* its stack id (BLOCKS_STACK_INTERNAL: the agent's own) */
  unsigned shift; /* the offset is 1 << shift */
} blocks_info;

/* Put a header into the block glibc gave at q: returns the program's pointer. */
static inline void *blocks_place(void *q, unsigned shift, size_t size, uint32_t stack) {
  uintptr_t p = (uintptr_t)q + ((uintptr_t)1 << shift);
  blocks_header *h = (blocks_header *)(p - BLOCKS_HEADER);
  h->meta = ((uint64_t)(size > BLOCKS_SIZE_MAX ? BLOCKS_SIZE_MAX : size) << BLOCKS_STACK_BITS) |
            (stack & BLOCKS_STACK_INTERNAL);
  h->tag = blocks_tag(p, shift);
  return (void *)p;
}

/* Is p a block with a header?  Then 1 and what it says. */
static inline int blocks_get(const void *p, blocks_info *out) {
  if (AG_UNLIKELY(blocks_secret == 0) || ((uintptr_t)p & 15) != 0 || (uintptr_t)p < 4096) return 0;
  const blocks_header *h = (const blocks_header *)((uintptr_t)p - BLOCKS_HEADER);
  uint64_t tag = h->tag;
  unsigned shift = (unsigned)(tag & 0xff);
  if (shift < BLOCKS_MIN_SHIFT || shift > 30 || tag != blocks_tag((uintptr_t)p, shift)) return 0;
  out->glibc = (void *)((uintptr_t)p - ((uintptr_t)1 << shift));
  out->size = (size_t)(h->meta >> BLOCKS_STACK_BITS);
  out->stack = (uint32_t)(h->meta & BLOCKS_STACK_INTERNAL);
  out->shift = shift;
  return 1;
}

/* The block is being freed: its header is no longer valid. */
static inline void blocks_forget(void *p) { ((blocks_header *)((uintptr_t)p - BLOCKS_HEADER))->tag = 0; }

typedef void (*blocks_visit_fn)(uintptr_t ptr, const blocks_info *b, void *arg);
/* Every live block with a header, in address order.  With the world
 * stopped the heap is read in place; otherwise through copies
 * (process_vm_readv), since other threads may unmap memory meanwhile.
 * 0, or -1 when the mappings cannot be read. */
AG_HIDDEN int blocks_foreach(blocks_visit_fn fn, void *arg, int world_stopped);

#endif
