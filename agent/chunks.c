/*
 * chunks.c: walking glibc's chunks for sample mode's live retention (see
 * chunks.h; the layout facts are glibc.h's).  A heap's chain is first
 * followed without reporting anything, to check that it ends where the
 * heap ends (the top chunk, or a fencepost); only a chain that holds
 * together is then reported.  The sampled blocks are looked up in a
 * sorted copy of the sampled set, made once per walk.
 */
#include "chunks.h"

#include <string.h>

#include "failures.h"
#include "maps.h"
#include "sampler.h"
#include "sys.h"

#define CHUNKS_PAGE 4096
#define CHUNKS_SEARCH 4096 /* how far past its expected start a heap's first chunk is looked for */

typedef struct {
  uintptr_t ptr;
  uint64_t size;
  uint32_t stack;
} chunks_sample;

static struct {
  chunks_sample *samples;
  uint64_t n, cap;
  blocks_visit_fn fn;
  void *arg;
} C;

static void chunks_add_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg) {
  if (C.n < C.cap) C.samples[C.n++] = (chunks_sample){ptr, size, stack};
}

static void chunks_count_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg) {
  (*(uint64_t *)arg)++;
}

/* Shell sort by address (no libc: qsort may allocate). */
static void chunks_sort_samples(void) {
  uint64_t gap = 1;
  while (gap < C.n / 3) gap = gap * 3 + 1;
  for (; gap > 0; gap /= 3)
    for (uint64_t i = gap; i < C.n; i++) {
      chunks_sample s = C.samples[i];
      uint64_t j = i;
      for (; j >= gap && C.samples[j - gap].ptr > s.ptr; j -= gap) C.samples[j] = C.samples[j - gap];
      C.samples[j] = s;
    }
}

/* The first sample at or above address a (C.n if none). */
static uint64_t chunks_sample_from(uintptr_t a) {
  uint64_t lo = 0, hi = C.n;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (C.samples[mid].ptr < a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Report the block glibc handed out at q from a chunk of usable bytes:
 * sampled, internal (a header one page in), or neither. */
static void chunks_report(uintptr_t q, uint64_t usable) {
  uint64_t i = chunks_sample_from(q);
  blocks_info info;
  if (i < C.n && C.samples[i].ptr == q) {
    info = (blocks_info){(void *)q, C.samples[i].size, C.samples[i].stack, 0, 0};
    C.fn(q, &info, C.arg);
    return;
  }
  if (usable >= CHUNKS_PAGE + BLOCKS_HEADER && blocks_get((const void *)(q + CHUNKS_PAGE), &info) &&
      info.stack == BLOCKS_STACK_INTERNAL) {
    C.fn(q + CHUNKS_PAGE, &info, C.arg);
    return;
  }
  info = (blocks_info){(void *)q, usable, CHUNKS_STACK_UNSAMPLED, 0, 0};
  C.fn(q, &info, C.arg);
}

/* Follow the chain of chunks from chunk `from` to `end`; with report, the
 * chunks in use are reported.  1 when the chain ends at end (its last
 * chunk, the top, is free) or at a fencepost (and, when must is not 0,
 * passed through the chunk must, in use), else 0. */
static int chunks_walk(uintptr_t from, uintptr_t end, int report, uintptr_t must) {
  if ((from & 15) != 0) return 0;
  int passed = must == 0;
  for (uintptr_t c = from; c + 2 * sizeof(size_t) <= end;) {
    size_t size = ((const size_t *)c)[1] & ~GLIBC_CHUNK_FLAGS;
    if (size == GLIBC_CHUNK_FENCEPOST) return passed;
    if (size < GLIBC_CHUNK_MIN || (size & 15) != 0 || size > end - c) return 0;
    uintptr_t next = c + size;
    if (next == end) return passed; /* the top chunk */
    if (next + 2 * sizeof(size_t) > end) return 0;
    int in_use = (((const size_t *)next)[1] & GLIBC_CHUNK_PREV_INUSE) != 0;
    if (c == must && in_use) passed = 1;
    if (report && in_use) chunks_report(c + GLIBC_CHUNK_OVERHEAD, size - sizeof(size_t));
    c = next;
  }
  return 0;
}

/* The first chunk of the heap [lo, end): at `expected`, or a little later
 * (16-byte steps), the first start whose chain holds (passing through
 * must, unless 0); 0 if none. */
static uintptr_t chunks_first(uintptr_t expected, uintptr_t lo, uintptr_t end, uintptr_t must) {
  if (expected >= lo && expected < end && chunks_walk(expected, end, 0, must)) return expected;
  for (uintptr_t c = (lo + 15) & ~(uintptr_t)15; c < lo + CHUNKS_SEARCH && c < end; c += 16)
    if (chunks_walk(c, end, 0, must)) return c;
  return 0;
}

/* Report the blocks of the heap [lo, end) (see chunks_first). */
static void chunks_heap(uintptr_t expected, uintptr_t lo, uintptr_t end) {
  uintptr_t first = chunks_first(expected, lo, end, 0);
  if (first != 0) chunks_walk(first, end, 1, 0);
  else failures_note(FAILURE_HEAP_WALK);
}

/* A non-main arena's heap at base (64 MiB aligned) inside [base, limit):
 * its used size, or 0 when its heap_info is not plausible. */
static uintptr_t chunks_arena_heap_size(uintptr_t base, uintptr_t limit) {
  const uintptr_t *info = (const uintptr_t *)base; /* ar_ptr, prev, size */
  uintptr_t ar_off = info[0] & (GLIBC_HEAP_MAX_SIZE - 1), prev = info[1], size = info[2];
  if (ar_off < 16 || ar_off > 96 || (prev & (GLIBC_HEAP_MAX_SIZE - 1)) != 0) return 0;
  if (size < CHUNKS_PAGE || size > GLIBC_HEAP_MAX_SIZE || size > limit - base) return 0;
  return size;
}

/* An mmapped chunk starting at page a of a mapping that ends at limit:
 * its size, or 0. */
static uint64_t chunks_mmapped_size(uintptr_t a, uintptr_t limit) {
  const size_t *w = (const size_t *)a;
  size_t size = w[1] & ~GLIBC_CHUNK_FLAGS;
  if (w[0] != 0 || !(w[1] & GLIBC_CHUNK_IS_MMAPPED) || size < CHUNKS_PAGE || size % CHUNKS_PAGE != 0 ||
      size > limit - a)
    return 0;
  return size;
}

/* One mapping that may hold heap: the [heap], or arena heaps and mmapped
 * chunks (an anonymous entry may be several mappings the kernel merged). */
static void chunks_mapping(const maps_entry *m) {
  if (m->heap_named) {
    chunks_heap(m->start, m->start, m->end);
    return;
  }
  for (uintptr_t a = m->start; a < m->end;) {
    uintptr_t size;
    if ((a & (GLIBC_HEAP_MAX_SIZE - 1)) == 0 && (size = chunks_arena_heap_size(a, m->end)) != 0) {
      uintptr_t ar = ((const uintptr_t *)a)[0];
      uintptr_t first = a + GLIBC_HEAP_INFO_SIZE;
      if (ar >= a && ar < a + size) { /* the arena's first heap: its malloc_state comes first */
        first = ar + GLIBC_MSTATE_SIZE;
        first += (16 - ((first + GLIBC_CHUNK_OVERHEAD) & 15)) & 15;
      }
      chunks_heap(first, a + 2 * sizeof(uintptr_t), a + size);
      a += (size + CHUNKS_PAGE - 1) & ~(uintptr_t)(CHUNKS_PAGE - 1);
      continue;
    }
    if ((size = chunks_mmapped_size(a, m->end)) != 0) {
      /* a sampled block lies in it (memalign moves the block into the
       * mapping): that one; else the chunk's own block */
      uint64_t i = chunks_sample_from(a);
      if (i < C.n && C.samples[i].ptr < a + size) {
        blocks_info info = {(void *)C.samples[i].ptr, C.samples[i].size, C.samples[i].stack, 0, 0};
        C.fn(C.samples[i].ptr, &info, C.arg);
      } else {
        chunks_report(a + GLIBC_CHUNK_OVERHEAD, size - GLIBC_CHUNK_OVERHEAD);
      }
      a += size;
      continue;
    }
    a += CHUNKS_PAGE;
  }
}

int chunks_check(const char **why) {
  void *p = __libc_malloc(24);
  uintptr_t start, end;
  int main_stack, ok = 0;
  if (p != NULL && sys_find_mapping((uintptr_t)p, &start, &end, &main_stack) == 0)
    ok = chunks_first(start, start, end, (uintptr_t)p - GLIBC_CHUNK_OVERHEAD) != 0;
  __libc_free(p);
  if (!ok) *why = "glibc's heap does not walk as the live retention expects (agent/glibc.h)";
  return ok ? 0 : -1;
}

int chunks_foreach(blocks_visit_fn fn, void *arg) {
  memset(&C, 0, sizeof C);
  C.fn = fn;
  C.arg = arg;
  uint64_t count = 0;
  sampler_foreach(chunks_count_sample, &count);
  C.cap = count + 1;
  C.samples = sys_map(C.cap * sizeof *C.samples);
  if (C.samples == NULL) return -1;
  sampler_foreach(chunks_add_sample, NULL);
  chunks_sort_samples();
  maps_list maps;
  if (maps_read(&maps) != 0) {
    sys_unmap(C.samples, C.cap * sizeof *C.samples);
    return -1;
  }
  for (uint64_t i = 0; i < maps.n; i++) {
    const maps_entry *m = &maps.entries[i];
    if (maps_may_hold_heap(m) && !m->ours) chunks_mapping(m);
  }
  maps_free(&maps);
  sys_unmap(C.samples, C.cap * sizeof *C.samples);
  return 0;
}
