/*
 * glibc.h: every fact of glibc and of the x86-64 Linux ABI that the agent
 * relies on, in one place.  Each is either checked at compile time here or
 * checked once at start-up by glibc_check() (glibc.c), which turns tracking
 * off with a warning when one does not hold.  docs/internals/glibc.md
 * explains each fact and where glibc defines it.
 *
 *   - the __libc_* allocator entry points (exported at GLIBC_2.0), usable
 *     before any constructor runs and without dlsym;
 *   - a chunk's header: the size word 8 bytes below the block, whose low
 *     three bits are flags (IS_MMAPPED = 2: the chunk is its own mapping,
 *     whose offset from the mapping's start is the word 16 bytes below the
 *     block); the chunk itself starts 16 bytes below the block; the block
 *     may use the chunk's size less 8 bytes (16 if mmapped), which is what
 *     malloc_usable_size answers;
 *   - non-main arenas live in heaps of HEAP_MAX_SIZE (64 MiB) aligned to
 *     their size, starting with a heap_info {ar_ptr, prev, size, ...};
 *   - walking the chunks (sample mode's live retention, chunks.c): a
 *     chunk's size word (flags masked) leads to the next chunk, whose
 *     PREV_INUSE bit (1) says whether this one is in use; the main arena's
 *     chunks run from the start of [heap] to its end (the top chunk ends
 *     at the break), a non-main heap's from after its heap_info (48 bytes)
 *     or, in an arena's first heap, after the arena's malloc_state (2200
 *     bytes) at ar_ptr, to heap_info.size; a chunk of 16 bytes is a
 *     fencepost that ends a heap glibc left;
 *   - the thread pointer (%fs base) points at the TCB, whose first word is
 *     its own address and whose second is the DTV pointer; the DTV is
 *     calloc'ed with one 16-byte entry before the pointer (the counter);
 *     each TLS module has one 16-byte entry;
 *   - a thread's DTV is the only block ld.so's own code callocs in 16-byte
 *     elements (allocate_dtv: calloc(entries, sizeof(dtv_t))).
 */
#ifndef LEAKSCOPE_AGENT_GLIBC_H
#define LEAKSCOPE_AGENT_GLIBC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>
#include <ucontext.h>

#include "base.h"

#if !defined(__x86_64__) || !defined(__linux__) || !defined(__GLIBC__)
#error "the agent supports x86-64 Linux with glibc only"
#endif

_Static_assert(sizeof(void *) == 8 && sizeof(size_t) == 8 && sizeof(uintptr_t) == 8,
               "64-bit pointers and sizes");

/* glibc's allocator entry points, exported at GLIBC_2.0 for exactly this use. */
void *__libc_malloc(size_t size);
void __libc_free(void *ptr);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void *__libc_memalign(size_t align, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);

#define GLIBC_CHUNK_IS_MMAPPED ((size_t)0x2)
#define GLIBC_CHUNK_FLAGS ((size_t)0x7)
#define GLIBC_CHUNK_OVERHEAD 16             /* chunk start to block start */
#define GLIBC_HEAP_MAX_SIZE ((uintptr_t)64 << 20) /* HEAP_MAX_SIZE on 64-bit */
#define GLIBC_DTV_ENTRY_SIZE 16

/* The size word of the chunk holding block p (flags in its low bits). */
static inline size_t glibc_chunk_header(const void *p) {
  return *(const size_t *)((uintptr_t)p - sizeof(size_t));
}
static inline int glibc_chunk_is_mmapped(const void *p) {
  return (glibc_chunk_header(p) & GLIBC_CHUNK_IS_MMAPPED) != 0;
}
/* The chunk's size, header included. */
static inline size_t glibc_chunk_size(const void *p) { return glibc_chunk_header(p) & ~GLIBC_CHUNK_FLAGS; }
/* The bytes a block can use, from its chunk's size word: the chunk less
 * its header word, and for an mmapped chunk also the word before it (the
 * next chunk's prev_size word is the block's); glibc's musable(). */
static inline size_t glibc_usable_from_word(size_t word) {
  size_t size = word & ~GLIBC_CHUNK_FLAGS, overhead = (word & GLIBC_CHUNK_IS_MMAPPED) ? 16 : 8;
  return size > overhead ? size - overhead : 0;
}
static inline size_t glibc_chunk_usable(const void *p) { return glibc_usable_from_word(glibc_chunk_header(p)); }
/* An mmapped chunk: how far its mapping starts before the chunk. */
static inline size_t glibc_chunk_mmap_offset(const void *p) { return ((const size_t *)p)[-2]; }

#define GLIBC_CHUNK_PREV_INUSE ((size_t)0x1)
#define GLIBC_CHUNK_MIN 32                  /* MINSIZE */
#define GLIBC_CHUNK_FENCEPOST 16            /* the end of a heap glibc left */
#define GLIBC_HEAP_INFO_SIZE 48             /* sizeof (heap_info), 2.35 and later */
#define GLIBC_MSTATE_SIZE 2200              /* sizeof (struct malloc_state) */

/* The start of a non-main arena's heap that would hold address a. */
static inline uintptr_t glibc_heap_base(uintptr_t a) { return a & ~(GLIBC_HEAP_MAX_SIZE - 1); }

/* The calling thread's thread pointer: its TCB (tcbhead_t.tcb). */
static inline uintptr_t glibc_thread_pointer(void) {
  uintptr_t tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

/* The calling thread's DTV block as glibc calloc'ed it (tcbhead_t.dtv
 * points one entry in); 0 if none. */
static inline uintptr_t glibc_dtv_block(void) {
  uintptr_t dtv;
  __asm__("mov %%fs:8, %0" : "=r"(dtv));
  return dtv ? dtv - GLIBC_DTV_ENTRY_SIZE : 0;
}

/* The general-purpose registers a leak scan reads (every one but RSP and
 * RIP), from a signal or getcontext() context; returns how many. */
#define GLIBC_SCAN_REGS 15
static inline int glibc_scan_registers(const mcontext_t *mc, uintptr_t *out) {
  static const int regs[GLIBC_SCAN_REGS] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI,
                                            REG_RDI, REG_RBP, REG_R8,  REG_R9,  REG_R10,
                                            REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int i = 0; i < GLIBC_SCAN_REGS; i++) out[i] = (uintptr_t)mc->gregs[regs[i]];
  return GLIBC_SCAN_REGS;
}
static inline uintptr_t glibc_context_sp(const mcontext_t *mc) { return (uintptr_t)mc->gregs[REG_RSP]; }

/* The same registers, in the same order, from ptrace's PTRACE_GETREGS. */
static inline int glibc_scan_registers_ptrace(const struct user_regs_struct *r, uintptr_t *out) {
  const unsigned long long v[GLIBC_SCAN_REGS] = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi,
                                                 r->rdi, r->rbp, r->r8,  r->r9,  r->r10,
                                                 r->r11, r->r12, r->r13, r->r14, r->r15};
  for (int i = 0; i < GLIBC_SCAN_REGS; i++) out[i] = (uintptr_t)v[i];
  return GLIBC_SCAN_REGS;
}

/* A thread's DTV block from its thread pointer, read in shared memory. */
static inline uintptr_t glibc_dtv_block_of(uintptr_t tp) {
  uintptr_t dtv = ((const uintptr_t *)tp)[1];
  return dtv ? dtv - GLIBC_DTV_ENTRY_SIZE : 0;
}

/* ld.so's executable segment, found by glibc_check (0 and 0 until then). */
AG_HIDDEN extern uintptr_t glibc_ldso_code_lo, glibc_ldso_code_hi;

/* Is a calloc of elements of size bytes, returning to ra, ld.so's calloc of
 * a new thread's DTV? */
static inline int glibc_is_dtv_calloc(const void *ra, size_t size) {
  return size == GLIBC_DTV_ENTRY_SIZE && (uintptr_t)ra >= glibc_ldso_code_lo && (uintptr_t)ra < glibc_ldso_code_hi;
}

/* glibc's own malloc_usable_size (the agent exports one of its own). */
AG_HIDDEN size_t glibc_usable_size(void *p);

/* Checks the facts above that can be checked in this process (chunk
 * headers of a small and a large block, the TCB's self pointer, the DTV)
 * and finds ld.so's code; 0 when they hold, else -1 with a one-line reason
 * in *why. */
AG_HIDDEN int glibc_check(const char **why);

#endif
