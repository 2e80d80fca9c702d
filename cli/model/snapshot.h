/*
 * model/snapshot.h: the one data model every leakscope output is rendered from.
 *
 * A snapshot holds allocation stacks with live and allocated bytes/objects,
 * the module map, and in full mode the leak records of the exit scan.  It is
 * filled by a reader (the agent's raw snapshot in read/snap_raw.c, a pprof
 * profile in read/pprof_read.c, a JSON report in read/report_read.c) and consumed by
 * the renderers (JSON report, text summary, Valgrind XML, pprof, flame
 * graph, ...).  A renderer never reads a file format itself.
 *
 * Ownership: a snapshot owns everything it points to; snap_free() releases
 * it all.  Strings are interned in the snapshot's arena (snap_str).
 *
 * Errors: functions returning int give 0 on success and -1 on failure, with
 * a one-line message in the caller-supplied buffer where there is one.
 */
#ifndef LEAKSCOPE_SNAPSHOT_H
#define LEAKSCOPE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* Leak kinds, in memcheck's order.  SNAP_KIND_COUNT sizes arrays. */
typedef enum {
  SNAP_DEFINITE = 0,
  SNAP_INDIRECT = 1,
  SNAP_POSSIBLE = 2,
  SNAP_REACHABLE = 3,
  SNAP_KIND_COUNT = 4
} snap_kind;

/* "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable". */
const char *snap_kind_name(snap_kind kind);
/* memcheck's words: "definitely lost", ... */
const char *snap_kind_words(snap_kind kind);

/* One source line of a location; inlined frames come first. */
typedef struct {
  const char *function; /* demangled when possible; NULL if unknown */
  const char *file;     /* NULL if unknown */
  int64_t line;         /* 0 if unknown */
  const char *system_name; /* the symbol's own (mangled) name when it differs
                            * from function: "_ZL10make_arrayi"; else NULL */
} snap_line;

/* One program counter, symbolized into zero or more lines: lines[0] is the
 * innermost inlined function, lines[nlines-1] the function the code
 * physically belongs to (pprof's order). */
typedef struct {
  uint64_t address;  /* a return address as captured (not minus one) */
  int32_t module;    /* index into modules, -1 if none */
  uint32_t nlines;
  snap_line *lines;
} snap_location;

/* A deduplicated call stack: location indices, leaf (allocation site) first. */
typedef struct {
  uint32_t nlocs;
  uint32_t *locs;
} snap_stack;

/* A mapped object: the main program, a shared library, the vdso. */
typedef struct {
  const char *path;     /* absolute file name as mapped, "" if anonymous */
  const char *build_id; /* lower-case hex, NULL if none */
  uint64_t base;        /* load bias (dlpi_addr) */
  uint64_t start;       /* lowest mapped address of an executable segment */
  uint64_t limit;       /* one past its highest address */
  uint64_t offset;      /* file offset of that segment */
  uint64_t data_start;  /* the span of its writable segments (its globals); 0, 0 if unknown */
  uint64_t data_end;
  uint64_t tls_offset;  /* static TLS: its block lies this far below each thread pointer */
  uint64_t tls_size;    /* 0 if none (or dynamic TLS) */
} snap_module;

/* Allocation statistics of one stack.  In sample mode the values are
 * already unbiased estimates (scaled by 1/P(sampled)), as Go writes them. */
#define SNAP_LIFETIME_BUCKETS 10 /* decades: under 1 us, under 10 us, ..., under 100 s, longer */
typedef struct {
  uint32_t stack;
  int64_t alloc_objects;
  int64_t alloc_bytes;
  int64_t inuse_objects;
  int64_t inuse_bytes;
  int64_t died[SNAP_LIFETIME_BUCKETS]; /* freed objects by lifetime (full mode exact, sample
                                        * mode an estimate); see has_lifetimes */
  /* full mode's exact lifetime statistics (has_lifetime_stats) */
  int64_t temporaries;      /* freed before their thread's next allocation (heaptrack's temporaries) */
  uint64_t lifetime_max_ns, lifetime_p50_ns, lifetime_p90_ns; /* of the freed objects */
} snap_site;

/* One loss record: the blocks of one kind allocated at one stack. */
typedef struct {
  snap_kind kind;
  uint32_t stack;
  uint64_t blocks;
  uint64_t bytes;          /* the record's own (direct) bytes */
  uint64_t indirect_bytes; /* for definite records: bytes its cliques hold */
  const char *suppressed_by; /* name of the matching suppression, or NULL */
} snap_leak;

typedef struct {
  uint64_t bytes;
  uint64_t blocks;
} snap_amount;

/* One of the agent's failure counters (docs/FORMAT.md, "failure" lines). */
typedef struct {
  const char *name; /* "live_block", "stack", ... */
  uint64_t count;
} snap_failure;

/* The retention graph of a full-mode exit snapshot (docs/FORMAT.md, the
 * "r" lines): the reachable blocks, the pointers between them, and the
 * root words, registers and internal blocks holding them.  model/snap_graph.c. */
typedef struct {
  uint64_t address, bytes;
  uint32_t stack; /* snapshot stack index */
} snap_gnode;

typedef enum { SNAP_ROOT_MEMORY = 'm', SNAP_ROOT_REGISTER = 'r', SNAP_ROOT_INTERNAL = 'i' } snap_root_kind;

typedef struct {
  snap_root_kind kind;
  uint64_t where; /* the word's address, the thread id, or the internal block */
  uint32_t node;
} snap_groot;

/* A mapping the roots were read from: 'f' a file's (module data), 's' the
 * main thread's [stack], 'a' anonymous. */
typedef struct {
  uint64_t start, end;
  char kind;
} snap_gregion;

typedef struct {
  int tid;
  uint64_t sp, lo, hi; /* stack pointer, and the mapping holding it */
  uint64_t tp;         /* thread pointer (0 if unknown): static TLS lies below it */
} snap_gthread;

typedef struct {
  snap_gnode *nodes;
  uint32_t nnodes;
  size_t cap_nodes;
  /* edges: while reading, (from, to) pairs; after snap_graph_finish, CSR:
   * the successors of v are to[first[v] .. first[v+1]-1] */
  uint32_t *from, *to;
  uint64_t nedges;
  size_t cap_edges;
  uint64_t *first;
  snap_groot *roots;
  uint64_t nroots;
  size_t cap_roots;
  snap_gregion *regions;
  uint32_t nregions;
  size_t cap_regions;
  snap_gthread *threads;
  uint32_t nthreads;
  size_t cap_threads;
} snap_graph;

int snap_graph_add_node(snap_graph *g, const snap_gnode *n);
int snap_graph_add_edge(snap_graph *g, uint32_t from, uint32_t to); /* both < nnodes */
int snap_graph_add_root(snap_graph *g, const snap_groot *r);       /* r->node < nnodes */
int snap_graph_add_region(snap_graph *g, const snap_gregion *r);
int snap_graph_add_thread(snap_graph *g, const snap_gthread *t);
/* Sort the edges into CSR form; 0 or -1 (out of memory). */
int snap_graph_finish(snap_graph *g);
void snap_graph_free(snap_graph *g);

/* Retention: who holds the reachable memory (analyze/retain.c computes it from the
 * graph; a JSON report carries it).  A block "retains" what would become
 * unreachable without it: its subtree in the dominator tree. */
typedef struct {
  uint64_t address, bytes;
  uint32_t stack;
} snap_rstep;

typedef struct {
  const char *kind;   /* "global", "data", "tls", "stack", "registers", "anonymous", "internal" */
  const char *name;   /* for display: "global g_cache (prog)", "stack of thread 42" */
  const char *symbol; /* "global", "tls": the variable (its symbol, e.g. "buf.1" for a static local) */
  const char *object; /* "global", "data", "tls": the module's path */
  int tid;            /* "tls", "stack", "registers": the thread; else 0 */
  uint64_t retained_bytes, retained_blocks;
} snap_rroot;

/* Blocks held straight from one root and allocated at one stack. */
typedef struct {
  int32_t root;     /* index in roots (-1: held only through several roots) */
  uint32_t stack;
  uint64_t blocks, bytes;                   /* the held blocks themselves */
  uint64_t retained_bytes, retained_blocks; /* all they alone keep alive */
  uint64_t address;                         /* the one retaining most */
  int32_t path_root; /* index in roots where its shortest pointer path starts */
  snap_rstep *path;  /* that path's blocks, the last one itself */
  uint32_t npath;
} snap_retainer;

typedef struct {
  uint32_t stack;
  uint64_t blocks;                          /* reachable blocks allocated there */
  uint64_t retained_bytes, retained_blocks; /* by its blocks, counting nested ones once */
} snap_rsite;

/* The blocks of one allocation stack that one root alone keeps alive (in
 * its dominator subtree, at any depth); sample mode: estimates from the
 * sampled blocks, each weighed by 1/P(sampled). */
typedef struct {
  int32_t root;   /* index in roots (-1: held only through several roots) */
  uint32_t stack;
  uint64_t blocks, bytes;
} snap_rheld;

typedef struct {
  uint64_t reachable_bytes, reachable_blocks;
  uint64_t shared_bytes, shared_blocks; /* reachable from several roots: retained by none */
  snap_rroot *roots;                    /* largest first */
  uint32_t nroots;
  snap_retainer *retainers;             /* blocks held straight from the roots, largest first */
  uint32_t nretainers;
  snap_rsite *sites;                    /* largest first */
  uint32_t nsites;
  snap_rheld *held;                     /* by stack, then bytes (largest first) */
  uint32_t nheld;
  /* retain_compute_for's address: the block that holds it (its shortest
   * pointer path from a root, the block last), when it is reachable */
  int has_chain;
  uint64_t chain_address;
  snap_retainer chain;
} snap_retention;

/* An arena for the snapshot's strings and small objects. */
typedef struct snap_arena_chunk snap_arena_chunk;

/* A live retention snapshot's own figures (agent/livescan.c; FORMAT.md's
 * live_ lines): how long the program was stopped, and the child's cost. */
typedef struct {
  int present;
  uint64_t pause_ns;         /* the program stopped: the world stop and the copy */
  uint64_t stop_ns;          /* of which the world stop */
  uint64_t threads;          /* other threads stopped */
  uint64_t scan_ns, scan_cpu_ns; /* the child's scan and write, wall and CPU */
  uint64_t child_private_kb; /* memory the child held alone at its end */
} snap_live;

typedef struct snapshot {
  /* where it came from */
  const char *source_format; /* "raw", "pprof", "report" */
  int pid, ppid;
  const char *mode;          /* "full" or "sample" */
  const char *reason;        /* "exit", "interval", "request", ... */
  uint64_t sample_interval;  /* mean bytes between samples; 0 or 1 = every allocation */
  int64_t time_ns;           /* wall-clock time of the snapshot */
  int64_t duration_ns;       /* since the program started */
  const char *exe;
  int argc;
  const char **argv;
  int exit_code;             /* -1 until the supervisor knows it */
  int signal;                /* the fatal signal that ended the process, 0 if none */
  const char **warnings;     /* the agent's warnings (warnings=snapshot), in order */
  uint32_t nwarnings;
  snap_failure *failures;    /* what the agent lost for lack of room (nonzero counts) */
  uint32_t nfailures;

  snap_module *modules;
  uint32_t nmodules;
  snap_location *locations;
  uint32_t nlocations;
  snap_stack *stacks;
  uint32_t nstacks;
  snap_site *sites;
  uint32_t nsites;
  snap_leak *leaks;
  uint32_t nleaks;
  size_t cap_modules, cap_locations, cap_stacks, cap_sites, cap_leaks; /* of the arrays above */

  int has_leak_check;                      /* the exit scan ran */
  snap_amount summary[SNAP_KIND_COUNT];    /* unsuppressed, by kind */
  snap_amount suppressed;                  /* all suppressed records */

  /* process totals (full mode: exact; sample mode: estimates) */
  uint64_t total_allocs, total_frees, total_bytes_allocated;
  uint64_t inuse_objects, inuse_bytes;

  snap_graph *graph;         /* the retention graph, NULL when the snapshot has none */
  snap_live live;            /* a live retention snapshot's figures */
  snap_retention *retention; /* computed from it, or read from a report; NULL if neither */

  int has_lifetimes; /* sites carry lifetime histograms (died[]) */
  int has_lifetime_stats; /* and exact temporaries, median, p90 and max (full mode) */
  uint64_t peak_bytes; /* the largest live heap seen (docs/FORMAT.md "peak"); see has_peak */
  int has_peak;
  int symbolized; /* locations carry lines */
  snap_arena_chunk *arena;
} snapshot;

snapshot *snap_new(void);
void snap_free(snapshot *snap);

/* Intern a copy of s (NULL stays NULL) in the snapshot's arena. */
const char *snap_str(snapshot *snap, const char *s);
/* Zeroed memory from the arena, freed with the snapshot. */
void *snap_alloc(snapshot *snap, size_t size);

/* Append helpers: each returns the new element's index, or -1 on OOM. */
int64_t snap_add_module(snapshot *snap, const snap_module *m);
int64_t snap_add_location(snapshot *snap, const snap_location *loc);
int64_t snap_add_stack(snapshot *snap, const uint32_t *locs, uint32_t nlocs);
int64_t snap_add_site(snapshot *snap, const snap_site *site);
int64_t snap_add_leak(snapshot *snap, const snap_leak *leak);

/* Recompute summary[] and suppressed from the leak records. */
void snap_recount(snapshot *snap);

/* Sort leak records largest first: by own + indirect bytes (memcheck's
 * loss record size), then kind. */
void snap_sort_leaks(snapshot *snap);

/* memcheck's order of loss records (mc_leakcheck.c's cmp_LossRecords),
 * which numbers them "loss record 1 of n" upward: by whole size (own and
 * indirect bytes), then kind (memcheck's Reachedness: still reachable,
 * possibly, indirectly, definitely lost), then blocks, then stack (the
 * older stack first, as memcheck's ExeContexts).  Records equal in all of
 * these still get numbers of their own (callers break ties by index). */
int snap_loss_record_cmp(const snap_leak *a, const snap_leak *b);

/* The program a snapshot comes from, as a file name without its folder:
 * the executable, else argv[0], else the first module's file (a profile's
 * main binary); NULL when it does not say. */
const char *snap_program(const snapshot *snap);

/* The module a location's address falls in, or -1. */
int32_t snap_module_for(const snapshot *snap, uint64_t address);

#endif
