/*
 * scan.c: the leak check.  With every other thread parked, find what is
 * still reachable from the roots and classify the rest exactly as Valgrind
 * memcheck does (memcheck/mc_leakcheck.c; docs/internals/leak-check.md):
 *
 *   roots    every readable and writable mapping of the process, except
 *            glibc malloc's own heaps (their free chunks hold stale
 *            pointers; memcheck never sees them because it replaces the
 *            allocator), the agent's own memory, and the part of each live
 *            thread's stack below its stack pointer; plus the registers of
 *            the parked threads.
 *   marking  a start pointer (or an interior pointer matched by one of
 *            memcheck's heuristics) from a definite source makes a block
 *            REACHABLE; any other pointer makes an unreached block
 *            POSSIBLE; blocks are rescanned when their state rises.
 *   cliques  in address order, each block still UNREACHED leads a clique:
 *            what it reaches that is still unreached becomes INDIRECT and
 *            its bytes (and those it led before) go to the leader.
 *
 * The result is written as "leak" lines grouped by (kind, stack), plus
 * "leakcheck 1".  With the retain option a second walk over the same roots
 * writes the retention graph (docs/FORMAT.md): the reachable blocks, the
 * pointers between them and the root words that hold them, from which
 * `leakscope retain` builds its dominator tree.  All memory comes from
 * sys_map.
 */
#include "scan.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "failures.h"
#include "glibc.h"
#include "blocks.h"
#include "maps.h"
#include "scanindex.h"
#include "stacktab.h"
#include "threads.h"
#include "unwind.h"

enum { SCAN_UNREACHED = 0, SCAN_POSSIBLE = 1, SCAN_REACHABLE = 2, SCAN_INDIRECT = 3 };

typedef struct {
  uintptr_t start;
  uint64_t size;
  uint64_t indirect; /* leaders: bytes of their clique */
  uint32_t stack;
  uint8_t state;
  uint8_t shift;     /* glibc's block starts 1 << shift bytes before start (blocks.h) */
  uint16_t not_ours; /* bytes the agent added to this block (a DTV's entries) */
} scan_block;
_Static_assert(sizeof(scan_block) == 32, "a scan block is 32 bytes");

/* The block glibc handed out, of which b is the program's part (shift 0:
 * the same block, a chunk sample mode's walk found). */
static inline const void *scan_glibc_block(const scan_block *b) {
  return (const void *)(b->start - (b->shift ? (uintptr_t)1 << b->shift : 0));
}

/* The bytes memcheck would count for a block. */
static inline uint64_t scan_bytes(const scan_block *b) { return b->size - b->not_ours; }


typedef struct {
  scan_block *blocks;
  uint64_t n, cap;
  uintptr_t lo, hi; /* lowest start, highest end */
  uint32_t *mark;
  uint64_t mark_top, mark_cap;
  maps_list maps;
  scanindex index; /* empty when it could not be built: then a plain binary search */
} scan_state;

static scan_state S;

/* ---- memory from the OS ------------------------------------------------ */

static void *scan_alloc(uint64_t bytes) { return sys_map(bytes ? bytes : 1); }

/* ---- blocks ------------------------------------------------------------ */

/* blocks_foreach's visitor: the blocks come in address order. */
static void scan_collect(uintptr_t ptr, const blocks_info *info, void *arg) {
  if (S.n >= S.cap) { /* more blocks than the counts said: a bigger array */
    uint64_t cap = S.cap * 2;
    scan_block *bigger = scan_alloc(cap * sizeof *bigger);
    if (bigger == NULL) {
      failures_note(FAILURE_SCAN_BLOCKS);
      return;
    }
    memcpy(bigger, S.blocks, S.n * sizeof *bigger);
    sys_unmap(S.blocks, S.cap * sizeof *S.blocks);
    S.blocks = bigger;
    S.cap = cap;
  }
  scan_block *b = &S.blocks[S.n++];
  b->start = ptr;
  b->size = info->size;
  b->stack = info->stack;
  b->shift = (uint8_t)info->shift;
  b->state = SCAN_UNREACHED;
  b->indirect = 0;
  b->not_ours = 0;
}

/* Index of the block holding address a (a zero-size block counts as one byte), or -1. */
static inline int64_t scan_find(uintptr_t a) {
  if (a < S.lo || a >= S.hi) return -1;
  uint64_t lo = 0, hi = S.n;
  if (S.index.keys != NULL) {
    if (!scanindex_range(&S.index, a, &lo, &hi)) return -1;
    /* the first block starting above a is in [lo, hi]; the one before it may hold a */
    while (lo < hi) {
      uint64_t mid = (lo + hi) / 2;
      if (S.blocks[mid].start <= a) lo = mid + 1;
      else hi = mid;
    }
    if (lo == 0) return -1;
    lo--;
  } else {
    while (hi - lo > 1) {
      uint64_t mid = (lo + hi) / 2;
      if (S.blocks[mid].start <= a) lo = mid;
      else hi = mid;
    }
  }
  const scan_block *b = &S.blocks[lo];
  uint64_t size = b->size ? b->size : 1;
  return (a >= b->start && a - b->start < size) ? (int64_t)lo : -1;
}

static void scan_push(uint32_t i) {
  if (S.mark_top < S.mark_cap) S.mark[S.mark_top++] = i;
  else failures_note(FAILURE_SCAN_MARK);
}

/* ---- maps -------------------------------------------------------------- */

static const maps_entry *scan_map_for(uintptr_t a) { return maps_find(&S.maps, a); }

/* The first block at or above address a. */
static uint64_t scan_first_block_from(uintptr_t a) {
  uint64_t lo = 0, hi = S.n;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (S.blocks[mid].start < a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The part of a mapping that is glibc malloc's own memory around block b:
 * an mmapped chunk is its own pages; any other block outside [heap] lies
 * in a non-main arena heap, 64 MiB aligned, whose heap_info (ar_ptr, prev,
 * size) sits at the start.  Anonymous mappings that touch each other are
 * merged in /proc/self/maps, so these ranges are cut out of a mapping
 * rather than skipping the whole mapping (which may hold ld.so's own
 * early allocations, its link maps among them). */
static void scan_malloc_range(const scan_block *b, uintptr_t *from, uintptr_t *to) {
  const void *p = scan_glibc_block(b);
  uintptr_t chunk = (uintptr_t)p - GLIBC_CHUNK_OVERHEAD;
  if (glibc_chunk_is_mmapped(p)) {
    *from = (chunk - glibc_chunk_mmap_offset(p)) & ~(uintptr_t)4095;
    *to = chunk + glibc_chunk_size(p);
    return;
  }
  uintptr_t base = glibc_heap_base(b->start);
  const uintptr_t *info = (const uintptr_t *)base; /* heap_info: ar_ptr, prev, size */
  uintptr_t ar_off = info[0] & (GLIBC_HEAP_MAX_SIZE - 1);
  if (ar_off >= 16 && ar_off <= 96 && info[2] > 0 && info[2] <= GLIBC_HEAP_MAX_SIZE &&
      b->start < base + info[2]) {
    *from = base;
    *to = base + info[2];
  } else {
    *from = chunk;
    *to = b->start + b->size;
  }
}

/* ---- marking ----------------------------------------------------------- */

#define SCAN_VTABLE_MAX_CHECK 20
#define SCAN_PAGE 4096

static int scan_is_file_map(const maps_entry *m) { return m != NULL && !m->anonymous && !m->special; }

/* memcheck's test for a vtable (aligned_ptr_above_page0_is_vtable_addr):
 * an aligned address above page 0 in a readable file mapping, whose words
 * from a to a + SCAN_VTABLE_MAX_CHECK words (inclusive: 21 of them), and
 * not the mapping's last word, hold at least two non-null pointers, each
 * into an executable file mapping; the first word that is neither null
 * nor such a pointer says no. */
static int scan_is_vtable_addr(uintptr_t a) {
  if ((a & 7) || a < SCAN_PAGE) return 0;
  const maps_entry *m = scan_map_for(a);
  if (!scan_is_file_map(m) || m->perms[0] != 'r') return 0;
  uintptr_t last = a + SCAN_VTABLE_MAX_CHECK * 8;
  if (last > m->end - 1 - 8) last = m->end - 1 - 8; /* memcheck's bound: the mapping's last byte, less a word */
  int functions = 0;
  for (uintptr_t at = a; at <= last; at += 8) {
    uintptr_t fn = *(const uintptr_t *)at;
    if (fn == 0) continue;
    const maps_entry *fm = scan_map_for(fn);
    if (!scan_is_file_map(fm) || fm->perms[2] != 'x') return 0;
    if (++functions == 2) return 1;
  }
  return 0;
}

/* memcheck's heuristics for interior pointers that count as start pointers. */
static int scan_heuristic(uintptr_t ptr, const scan_block *b) {
  const uint64_t *w = (const uint64_t *)b->start;
  uintptr_t off = ptr - b->start;
  if (b->size >= 24 && off == 24) { /* stdstring: the old COW std::string */
    uint64_t len = w[0], cap = w[1];
    if (len <= cap && 24 + cap + 1 == b->size) return 1;
  }
  if (b->size >= 8 && off == 8) {
    if (w[0] == b->size - 8) return 1;                           /* length64 */
    if (w[0] > 0 && (b->size - 8) % w[0] == 0) return 1;         /* newarray */
  }
  if ((ptr & 7) == 0 && b->size >= 16 && off + 8 <= b->size) { /* multipleinheritance */
    uintptr_t inner = *(const uintptr_t *)ptr, first = w[0];
    if (scan_is_vtable_addr(inner) && scan_is_vtable_addr(first)) return 1;
  }
  return 0;
}

static inline void scan_mark(uintptr_t w, int definite) {
  int64_t i = scan_find(w);
  if (i < 0) return;
  scan_block *b = &S.blocks[i];
  if (b->state == SCAN_REACHABLE) return;
  int via_start = w == b->start || scan_heuristic(w, b);
  if (via_start && definite) {
    b->state = SCAN_REACHABLE;
    scan_push((uint32_t)i);
  } else if (b->state == SCAN_UNREACHED) {
    b->state = SCAN_POSSIBLE;
    scan_push((uint32_t)i);
  }
}

static void scan_words(uintptr_t start, uintptr_t end, int definite) {
  uintptr_t a = (start + 7) & ~(uintptr_t)7;
  for (; a + 8 <= end; a += 8) {
    uintptr_t w = *(const uintptr_t *)a;
    if (w >= S.lo && w < S.hi) scan_mark(w, definite);
  }
}

/* glibc's own bookkeeping (main_arena's bins and top, in libc's data)
 * points at chunk headers; the header of the chunk after a block lies in or
 * just after the block's last bytes (at the block's start for a tiny one,
 * past its header), which would make it look possibly lost, or reachable.
 * Memcheck never sees these pointers (it replaces the allocator), so words
 * of libc's data that point at one are not roots. */
static int scan_is_next_chunk_header(uintptr_t w) {
  int64_t i = scan_find(w);
  if (i < 0) return 0;
  const scan_block *b = &S.blocks[i];
  const void *p = scan_glibc_block(b);
  if (glibc_chunk_is_mmapped(p)) return 0;
  return w == (uintptr_t)p - GLIBC_CHUNK_OVERHEAD + glibc_chunk_size(p);
}

/* ---- the retention graph's lines ---------------------------------------- */

/* While G.w is set, the walk over the roots writes graph lines instead of
 * marking.  G.node maps a block index to its node (a reachable block of the
 * program), SCAN_NO_NODE otherwise. */
#define SCAN_NO_NODE UINT32_MAX
static struct {
  sys_writer *w;
  uint32_t *node;
} G;

/* The node a word keeps alive: a start pointer (or a heuristic interior
 * one) into a reachable block, as the marking counted it. */
static uint32_t scan_graph_target(uintptr_t word) {
  int64_t i = scan_find(word);
  if (i < 0 || G.node[i] == SCAN_NO_NODE) return SCAN_NO_NODE;
  const scan_block *b = &S.blocks[i];
  return word == b->start || scan_heuristic(word, b) ? G.node[i] : SCAN_NO_NODE;
}

/* "rroot KIND WHERE NODE": KIND m (WHERE = the word's address), r (WHERE =
 * the thread id whose register holds it), i (WHERE = the internal block). */
static void scan_graph_root(char kind, uint64_t where, uintptr_t word) {
  uint32_t node = scan_graph_target(word);
  if (node == SCAN_NO_NODE) return;
  sys_put(G.w, "rroot ");
  sys_putc(G.w, kind);
  sys_putc(G.w, ' ');
  if (kind == 'r') sys_put_u64(G.w, where);
  else sys_put_hex(G.w, where);
  sys_putc(G.w, ' ');
  sys_put_u64(G.w, node);
  sys_putc(G.w, '\n');
}

static void scan_root_words(uintptr_t start, uintptr_t end, int in_libc) {
  uintptr_t a = (start + 7) & ~(uintptr_t)7;
  for (; a + 8 <= end; a += 8) {
    uintptr_t w = *(const uintptr_t *)a;
    if (w < S.lo || w >= S.hi || (in_libc && scan_is_next_chunk_header(w))) continue;
    if (G.w != NULL) scan_graph_root('m', a, w);
    else scan_mark(w, 1);
  }
}

static void scan_drain(void) {
  while (S.mark_top > 0) {
    uint32_t i = S.mark[--S.mark_top];
    const scan_block *b = &S.blocks[i];
    scan_words(b->start, b->start + b->size, b->state != SCAN_POSSIBLE);
  }
}

static void scan_drain_clique(uint32_t leader) {
  while (S.mark_top > 0) {
    uint32_t i = S.mark[--S.mark_top];
    const scan_block *b = &S.blocks[i];
    uintptr_t a = (b->start + 7) & ~(uintptr_t)7, end = b->start + b->size;
    for (; a + 8 <= end; a += 8) {
      int64_t c = scan_find(*(const uintptr_t *)a);
      if (c < 0 || (uint32_t)c == leader || S.blocks[c].state != SCAN_UNREACHED) continue;
      scan_block *cb = &S.blocks[c];
      cb->state = SCAN_INDIRECT;
      S.blocks[leader].indirect += scan_bytes(cb) + cb->indirect;
      cb->indirect = 0;
      scan_push((uint32_t)c);
    }
  }
}

/* ---- reading roots safely ---------------------------------------------- */

static sigjmp_buf scan_fault_jmp;
static volatile int scan_fault_armed;

static void scan_on_fault(int sig) {
  if (scan_fault_armed) siglongjmp(scan_fault_jmp, 1);
}

static void scan_root(uintptr_t start, uintptr_t end, int in_libc) {
  volatile uintptr_t from = start;
  while (from < end) {
    if (sigsetjmp(scan_fault_jmp, 1) != 0) {
      from = (from + 4096) & ~(uintptr_t)4095; /* skip the page that faulted */
      continue;
    }
    scan_fault_armed = 1;
    /* scan page by page so a fault skips one page only */
    while (from < end) {
      uintptr_t page_end = (from + 4096) & ~(uintptr_t)4095;
      if (page_end > end) page_end = end;
      scan_root_words(from, page_end, in_libc);
      from = page_end;
    }
    scan_fault_armed = 0;
  }
  scan_fault_armed = 0;
  scan_drain();
}

/* ---- records ----------------------------------------------------------- */

typedef struct {
  uint64_t key; /* kind << 32 | stack, +1 so 0 means empty */
  uint64_t blocks, bytes, indirect;
} scan_record;

static const char scan_kind_letter[] = {'D', 'P', 'R', 'I'};

static int scan_write_records(sys_writer *w) {
  uint64_t cap = 1024;
  while (cap < S.n * 2) cap *= 2;
  scan_record *table = scan_alloc(cap * sizeof *table);
  if (table == NULL) return -1;
  for (uint64_t i = 0; i < S.n; i++) {
    const scan_block *b = &S.blocks[i];
    if (b->stack == BLOCKS_STACK_INTERNAL) continue;
    uint64_t key = ((uint64_t)b->state << 32 | b->stack) + 1;
    uint64_t j = (key * 0x9e3779b97f4a7c15u >> 20) & (cap - 1);
    while (table[j].key != 0 && table[j].key != key) j = (j + 1) & (cap - 1);
    table[j].key = key;
    table[j].blocks++;
    table[j].bytes += scan_bytes(b);
    table[j].indirect += b->indirect;
  }
  for (uint64_t j = 0; j < cap; j++) {
    if (table[j].key == 0) continue;
    uint64_t key = table[j].key - 1;
    sys_put(w, "leak ");
    sys_putc(w, scan_kind_letter[key >> 32]);
    sys_putc(w, ' ');
    sys_put_u64(w, key & 0xffffffffu);
    sys_putc(w, ' ');
    sys_put_u64(w, table[j].blocks);
    sys_putc(w, ' ');
    sys_put_u64(w, table[j].bytes);
    sys_putc(w, ' ');
    sys_put_u64(w, table[j].indirect);
    sys_putc(w, '\n');
  }
  sys_put(w, "leakcheck 1\n");
  return 0;
}

/* ---- the roots ----------------------------------------------------------- */

/* "rregion START END KIND": a mapping the roots were read from; KIND f (a
 * file's: a module's data), s (the main thread's [stack]), a (anonymous:
 * thread stacks, static TLS, the program's own mappings). */
static void scan_graph_region(const maps_entry *map) {
  sys_put(G.w, "rregion ");
  sys_put_hex(G.w, map->start);
  sys_putc(G.w, ' ');
  sys_put_hex(G.w, map->end);
  sys_put(G.w, map->main_stack ? " s\n" : map->anonymous ? " a\n" : " f\n");
}

/* Walk every root: internal blocks, the readable and writable mappings
 * (above each parked thread's stack pointer, around glibc malloc's own
 * ranges) and the parked threads' registers.  Marks, or with G.w set,
 * writes the graph's root lines. */
static void scan_roots(const world_thread *threads, int nthreads, uintptr_t self_sp) {
  /* internal blocks (the agent's, libunwind's, ld.so's inside the agent)
   * are roots: they may hold the program's pointers */
  for (uint64_t i = 0; i < S.n; i++) {
    const scan_block *b = &S.blocks[i];
    if (b->stack != BLOCKS_STACK_INTERNAL) continue;
    if (G.w != NULL) {
      for (uintptr_t a = (b->start + 7) & ~(uintptr_t)7; a + 8 <= b->start + b->size; a += 8)
        scan_graph_root('i', b->start, *(const uintptr_t *)a);
      continue;
    }
    S.blocks[i].state = SCAN_REACHABLE;
    scan_push((uint32_t)i);
  }
  scan_drain();

  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = scan_on_fault;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);

  for (uint64_t m = 0; m < S.maps.n; m++) {
    const maps_entry *map = &S.maps.entries[m];
    if (map->perms[0] != 'r' || map->perms[1] != 'w' || map->special) continue;
    if (map->ours) continue;
    if (unwind_is_agent_range(map->start, map->end)) continue;
    if (G.w != NULL) scan_graph_region(map);
    uintptr_t from = map->start;
    if (self_sp >= map->start && self_sp < map->end) from = self_sp;
    for (int t = 0; t < nthreads; t++) {
      uintptr_t sp = threads[t].sp;
      if (threads[t].tid > 0 && threads[t].stopped && sp >= map->start && sp < map->end)
        from = sp - 128 > map->start ? sp - 128 : map->start; /* keep the red zone */
    }
    /* scan around glibc malloc's own ranges inside this mapping */
    for (uint64_t i = scan_first_block_from(from); i < S.n && S.blocks[i].start < map->end;) {
      uintptr_t cut_from, cut_to;
      scan_malloc_range(&S.blocks[i], &cut_from, &cut_to);
      if (cut_from < from) cut_from = from;
      if (cut_from > from) scan_root(from, cut_from, map->libc);
      if (cut_to > from) from = cut_to;
      i = scan_first_block_from(from);
    }
    if (from < map->end) scan_root(from, map->end, map->libc);
  }
  for (int t = 0; t < nthreads; t++) {
    if (threads[t].tid <= 0 || !threads[t].stopped) continue;
    for (int r = 0; r < threads[t].nregs; r++) {
      if (G.w != NULL) scan_graph_root('r', (uint64_t)threads[t].tid, threads[t].regs[r]);
      else scan_mark(threads[t].regs[r], 1);
    }
    scan_drain();
  }

  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
}

/* ---- the retention graph ------------------------------------------------- */

/* "rthread TID SP LO HI TP": a thread whose stack was a root, its stack
 * pointer, the mapping holding its stack, and its thread pointer (its
 * static TLS blocks lie below it, at each module's "tls" offset). */
static void scan_graph_thread(pid_t tid, uintptr_t sp, uintptr_t tp) {
  const maps_entry *m = scan_map_for(sp);
  sys_put(G.w, "rthread ");
  sys_put_u64(G.w, (uint64_t)tid);
  sys_putc(G.w, ' ');
  sys_put_hex(G.w, sp);
  sys_putc(G.w, ' ');
  sys_put_hex(G.w, m ? m->start : sp);
  sys_putc(G.w, ' ');
  sys_put_hex(G.w, m ? m->end : sp);
  sys_putc(G.w, ' ');
  sys_put_hex(G.w, tp);
  sys_putc(G.w, '\n');
}

/* The nodes ("rnode ADDR BYTES STACK", numbered from 0 in address order),
 * each node's pointers to others ("rout NODE NODE..."), then the roots. */
static int scan_write_graph(sys_writer *w, const world_thread *threads, int nthreads,
                            uintptr_t self_sp, pid_t self_tid) {
  G.node = scan_alloc(S.n * sizeof *G.node);
  if (G.node == NULL) return -1;
  G.w = w;
  uint32_t nodes = 0;
  for (uint64_t i = 0; i < S.n; i++) {
    const scan_block *b = &S.blocks[i];
    int node = b->state == SCAN_REACHABLE && b->stack != BLOCKS_STACK_INTERNAL;
    G.node[i] = node ? nodes++ : SCAN_NO_NODE;
    if (!node) continue;
    sys_put(w, "rnode ");
    sys_put_hex(w, b->start);
    sys_putc(w, ' ');
    sys_put_u64(w, scan_bytes(b));
    sys_putc(w, ' ');
    sys_put_u64(w, b->stack);
    sys_putc(w, '\n');
  }
  for (uint64_t i = 0; i < S.n; i++) {
    if (G.node[i] == SCAN_NO_NODE) continue;
    const scan_block *b = &S.blocks[i];
    int any = 0;
    for (uintptr_t a = (b->start + 7) & ~(uintptr_t)7; a + 8 <= b->start + b->size; a += 8) {
      uint32_t to = scan_graph_target(*(const uintptr_t *)a);
      if (to == SCAN_NO_NODE) continue;
      if (!any) {
        sys_put(w, "rout ");
        sys_put_u64(w, G.node[i]);
        any = 1;
      }
      sys_putc(w, ' ');
      sys_put_u64(w, to);
    }
    if (any) sys_putc(w, '\n');
  }
  scan_graph_thread(self_tid ? self_tid : sys_gettid(), self_sp, glibc_thread_pointer());
  for (int t = 0; t < nthreads; t++)
    if (threads[t].tid > 0 && threads[t].stopped)
      scan_graph_thread(threads[t].tid, threads[t].sp, threads[t].tp);
  scan_roots(threads, nthreads, self_sp);
  G.w = NULL;
  return 0;
}

/* ---- the whole check --------------------------------------------------- */

int scan_run(sys_writer *w, const scan_request *rq, uint64_t *agent_bytes) {
  const world_thread *threads = rq->threads;
  int nthreads = rq->nthreads;
  uintptr_t self_sp = rq->self_sp;
  memset(&S, 0, sizeof S);
  memset(&G, 0, sizeof G);
  threads_counts counts = threads_totals();
  S.cap = (counts.allocs > counts.frees ? counts.allocs - counts.frees : 0) + 65536; /* and the internal blocks */
  S.blocks = scan_alloc(S.cap * sizeof *S.blocks);
  if (S.blocks == NULL) return -1;
  if ((rq->collect ? rq->collect(scan_collect, NULL) : blocks_foreach(scan_collect, NULL, 1)) != 0) return -1;
  S.lo = S.n ? S.blocks[0].start : 1;
  S.hi = 0;
  for (uint64_t i = 0; i < S.n; i++) {
    uintptr_t end = S.blocks[i].start + (S.blocks[i].size ? S.blocks[i].size : 1);
    if (end > S.hi) S.hi = end;
  }
  /* the index may cost up to 8 bytes a block (16 KiB per 2 MiB region
   * holding blocks); a heap sparser than that is searched without it */
  (void)scanindex_build(&S.index, &S.blocks[0].start, &S.blocks[0].size, sizeof *S.blocks, S.n,
                        S.n * 8 + ((size_t)1 << 20));
  S.mark_cap = 3 * S.n + 16;
  S.mark = scan_alloc(S.mark_cap * sizeof *S.mark);
  if (S.mark == NULL || maps_read(&S.maps) != 0) return -1;

  /* A live thread's DTV has one 16-byte entry per TLS module; the agent's
   * own modules are not the program's, and memcheck (which reports a live
   * thread's DTV as possibly lost) never sees them. */
  for (int t = 0; t <= nthreads; t++) {
    uintptr_t dtv = t < nthreads ? (threads[t].tid > 0 && threads[t].stopped ? threads[t].dtv_block : 0)
                                 : glibc_dtv_block();
    uint64_t ours = (uint64_t)GLIBC_DTV_ENTRY_SIZE * (uint64_t)rq->agent_tls_modules;
    int64_t i = dtv ? scan_find(dtv) : -1;
    if (i >= 0 && S.blocks[i].start == dtv && S.blocks[i].size >= ours && S.blocks[i].not_ours == 0 &&
        S.blocks[i].stack < STACKTAB_MAX_IDS) { /* the program's (a DTV the agent resized is internal) */
      S.blocks[i].not_ours = (uint16_t)ours;
      *agent_bytes += ours;
    }
  }

  scan_roots(threads, nthreads, self_sp);

  for (uint64_t i = 0; i < S.n && !rq->graph_only; i++) {
    if (S.blocks[i].state != SCAN_UNREACHED) continue;
    scan_push((uint32_t)i);
    scan_drain_clique((uint32_t)i);
  }
  if (!rq->graph_only && scan_write_records(w) != 0) return -1;
  if (rq->retain && scan_write_graph(w, threads, nthreads, self_sp, rq->self_tid) != 0) return -1;
  return 0;
}
