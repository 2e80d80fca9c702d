/*
 * blocks.h: full mode's record of every live block, kept in the block
 * itself (blocks.c): the agent asks glibc for OFFSET more bytes and hands
 * the program the block OFFSET bytes in; the 16 bytes just before the
 * program's pointer are the header: a tag that only this address can
 * have (a hash of the address and a secret drawn at start-up, with the
 * offset and the slack that gives the size in its low bits), the stack id
 * and the time of allocation.  A free finds what
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
#include "glibc.h"
#include "stacktab.h"
#include "ticks.h"

#define BLOCKS_HEADER 16
#define BLOCKS_MIN_SHIFT 4 /* the offset is 1 << shift bytes, at least the header */
#define BLOCKS_MAX_SHIFT 30
#define BLOCKS_STACK_BITS 24
#define BLOCKS_BORN_BITS 40
#define BLOCKS_BORN_MASK ((UINT64_C(1) << BLOCKS_BORN_BITS) - 1)
_Static_assert(BLOCKS_BORN_BITS == TICKS_BITS, "a header holds a whole time");
/* The stack id of internal blocks (allocated while the agent works): roots, never reported. */
#define BLOCKS_STACK_INTERNAL ((1u << BLOCKS_STACK_BITS) - 1)
_Static_assert(STACKTAB_MAX_IDS < BLOCKS_STACK_INTERNAL, "stack ids fit below the internal marker");

/* The tag word: the address's hash in its high bits, then the shift, then
 * the slack: how many of the bytes glibc can give the program beyond the
 * offset are not the program's (its size is glibc's usable size minus the
 * offset minus the slack, so the header needs no size field).  A slack
 * too large for its field (mmapped chunks of huge pages) is
 * BLOCKS_SLACK_LONG, and then the exact size is the word below the
 * header, which such blocks have room for (they are placed at least 32
 * bytes in). */
#define BLOCKS_SLACK_BITS 13
#define BLOCKS_SLACK_LONG ((UINT64_C(1) << BLOCKS_SLACK_BITS) - 1)
#define BLOCKS_SHIFT_BITS 5
#define BLOCKS_TAG_LOW_BITS (BLOCKS_SLACK_BITS + BLOCKS_SHIFT_BITS)
#define BLOCKS_HASH_MASK (~((UINT64_C(1) << BLOCKS_TAG_LOW_BITS) - 1))
_Static_assert(BLOCKS_MAX_SHIFT < (1 << BLOCKS_SHIFT_BITS), "the shift fits its field");

typedef struct {
  uint64_t tag;  /* hash << | shift | slack */
  uint64_t meta; /* born << BLOCKS_STACK_BITS | stack */
} blocks_header;
_Static_assert(sizeof(blocks_header) == BLOCKS_HEADER, "the header is 16 bytes");

/* Drawn once when tracking starts; 0 until then (no block has a header). */
AG_HIDDEN extern uint64_t blocks_secret;
AG_HIDDEN void blocks_init(void);

/* The hash part of the tag of a block at p. */
static inline uint64_t blocks_hash(uintptr_t p) {
  uint64_t h = ((uint64_t)p >> 4) * 0x9e3779b97f4a7c15u ^ blocks_secret;
  h ^= h >> 29;
  return h & BLOCKS_HASH_MASK;
}

typedef struct {
  void *glibc;    /* the block glibc gave (what __libc_free takes) */
  size_t size;    /* the program's size */
  uint32_t stack; /* its stack id (BLOCKS_STACK_INTERNAL: the agent's own) */
  unsigned shift; /* the offset is 1 << shift */
  uint64_t born;  /* when it was allocated (ticks.h, BLOCKS_BORN_BITS bits; 0: not timed) */
} blocks_info;

/* Put a header into the block glibc gave at q, size bytes for the
 * program at offset 1 << shift: returns the program's pointer, or NULL
 * when the slack does not fit and the offset leaves no room for the size
 * (the caller asks again with a shift of at least BLOCKS_MIN_SHIFT + 1);
 * with must, the header goes in anyway, the slack cut to what fits (the
 * size then says a few more bytes than the program asked for). */
static inline void *blocks_place(void *q, unsigned shift, size_t size, uint32_t stack, uint64_t born, int must) {
  uintptr_t p = (uintptr_t)q + ((uintptr_t)1 << shift);
  blocks_header *h = (blocks_header *)(p - BLOCKS_HEADER);
  uint64_t slack = (uint64_t)(glibc_chunk_usable(q) - ((size_t)1 << shift) - size);
  if (slack >= BLOCKS_SLACK_LONG) {
    if (shift > BLOCKS_MIN_SHIFT) {
      ((uint64_t *)h)[-1] = size;
      slack = BLOCKS_SLACK_LONG;
    } else if (must) {
      slack = BLOCKS_SLACK_LONG - 1;
    } else {
      return NULL;
    }
  }
  h->meta = (born & BLOCKS_BORN_MASK) << BLOCKS_STACK_BITS | (stack & BLOCKS_STACK_INTERNAL);
  h->tag = blocks_hash(p) | (uint64_t)shift << BLOCKS_SLACK_BITS | slack;
  return (void *)p;
}

/* The header at h says a block at p: its shift, or 0 when the tag is not
 * that of p.  The caller has checked p's alignment. */
static inline unsigned blocks_tag_shift(const blocks_header *h, uintptr_t p) {
  uint64_t tag = h->tag;
  unsigned shift = (unsigned)(tag >> BLOCKS_SLACK_BITS) & ((1u << BLOCKS_SHIFT_BITS) - 1);
  if (shift < BLOCKS_MIN_SHIFT || shift > BLOCKS_MAX_SHIFT || (tag & BLOCKS_HASH_MASK) != blocks_hash(p)) return 0;
  return shift;
}

/* What the header at h of the block at p says, given the size word of
 * glibc's chunk (chunk_word) and, for a long slack, the word below the
 * header (long_size).  0 when the two do not agree (a false tag). */
static inline int blocks_decode(const blocks_header *h, uintptr_t p, unsigned shift, size_t chunk_word,
                                uint64_t long_size, blocks_info *out) {
  uint64_t slack = h->tag & BLOCKS_SLACK_LONG;
  size_t offset = (size_t)1 << shift;
  size_t usable = glibc_usable_from_word(chunk_word);
  if (usable < offset + (slack == BLOCKS_SLACK_LONG ? long_size : slack)) return 0;
  out->glibc = (void *)(p - offset);
  out->size = slack == BLOCKS_SLACK_LONG ? (size_t)long_size : usable - offset - (size_t)slack;
  out->stack = (uint32_t)(h->meta & BLOCKS_STACK_INTERNAL);
  out->shift = shift;
  out->born = h->meta >> BLOCKS_STACK_BITS;
  return 1;
}

/* Is p a block with a header?  Then 1 and what it says. */
static inline int blocks_get(const void *p, blocks_info *out) {
  if (AG_UNLIKELY(blocks_secret == 0) || ((uintptr_t)p & 15) != 0 || (uintptr_t)p < 4096) return 0;
  const blocks_header *h = (const blocks_header *)((uintptr_t)p - BLOCKS_HEADER);
  unsigned shift = blocks_tag_shift(h, (uintptr_t)p);
  if (shift == 0) return 0;
  const void *q = (const char *)p - ((size_t)1 << shift);
  uint64_t long_size = (h->tag & BLOCKS_SLACK_LONG) == BLOCKS_SLACK_LONG ? ((const uint64_t *)h)[-1] : 0;
  return blocks_decode(h, (uintptr_t)p, shift, glibc_chunk_header(q), long_size, out);
}

/* The block is being freed: its header is no longer valid. */
static inline void blocks_forget(void *p) { ((blocks_header *)((uintptr_t)p - BLOCKS_HEADER))->tag = 0; }
/* The block is given to glibc's realloc, which may move it and free the old
 * chunk itself: its header is forgotten first (a chunk glibc merges with a
 * free neighbour keeps its old bytes, and a stale tag there would later
 * look like a live block), and put back when realloc fails. */
static inline blocks_header blocks_take(void *p) {
  blocks_header *h = (blocks_header *)((uintptr_t)p - BLOCKS_HEADER), saved = *h;
  h->tag = 0;
  return saved;
}
static inline void blocks_put_back(void *p, blocks_header saved) {
  *(blocks_header *)((uintptr_t)p - BLOCKS_HEADER) = saved;
}

/* blocks_get for memory that may be gone (a block another thread was
 * freeing, seen from a child forked meanwhile): read through copies. */
AG_HIDDEN int blocks_get_copied(uintptr_t p, blocks_info *out);

typedef void (*blocks_visit_fn)(uintptr_t ptr, const blocks_info *b, void *arg);
/* Every live block with a header, in address order.  With the world
 * stopped the heap is read in place; otherwise through copies
 * (process_vm_readv), since other threads may unmap memory meanwhile.
 * 0, or -1 when the mappings cannot be read. */
AG_HIDDEN int blocks_foreach(blocks_visit_fn fn, void *arg, int world_stopped);

#endif
