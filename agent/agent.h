/*
 * agent.h: the internal interface between the files of the injected agent
 * (libleakscope.so).  Every file owns one concern; its prefix is its name:
 *
 *   hooks.c     the interposed malloc family, _exit, dlclose (and nothing else)
 *   agent.c     state, lazy init, fork handlers, the exit sequence
 *   options.c   LEAKSCOPE_OPTIONS, read once
 *   sys.c       raw OS access: our own mmaps (never the hooked malloc),
 *               writing files, time, pid, number formatting
 *   unwind.c    stack capture
 *   stacktab.c  lock-free interning of stacks; per-stack allocation counts
 *   live.c      the table of live blocks (full mode), sharded, keyed by address
 *   sampler.c   sample mode: Poisson sampling by bytes and the sampled set
 *   threads.c   per-thread state and stopping the world for the exit scan
 *   modules.c   the module map (dl_iterate_phdr, build-ids)
 *   scan.c      the reachability scan and memcheck's classification
 *   snapwrite.c the raw snapshot writer (docs/FORMAT.md)
 *   control.c   the control thread: snapshots on request or every interval
 *
 * Rules (see docs/ARCHITECTURE.md): the agent links libc only; its memory
 * comes from sys_map(), never from malloc; nothing here may allocate with
 * the hooked malloc while tracking; the sampled fast path takes no lock.
 * Functions return 0 on success and -1 on failure unless said otherwise.
 */
#ifndef LEAKSCOPE_AGENT_H
#define LEAKSCOPE_AGENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AG_HIDDEN __attribute__((visibility("hidden")))
#define AG_LIKELY(x) __builtin_expect(!!(x), 1)
#define AG_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define AG_MAX_DEPTH 64

/* glibc's allocator entry points, exported at GLIBC_2.0 for exactly this use. */
void *__libc_malloc(size_t size);
void __libc_free(void *ptr);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void *__libc_memalign(size_t align, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);

/* ---- options.c ---------------------------------------------------------- */
typedef struct {
  int sample_mode;            /* 0 full tracking, 1 Poisson sampling */
  uint64_t sample_interval;   /* mean bytes between samples (sample mode) */
  int depth;                  /* frames kept per stack */
  char out[512];              /* raw snapshot path pattern, %p = pid */
  pid_t target_pid;           /* trace only this pid and its forks (0: any) */
  int trace_children;         /* also trace exec'd programs */
  int zero_fill;              /* zero new blocks so stale data is not a root */
  int leak_check;             /* run the exit scan (full mode) */
  int retain;                 /* the exit scan also writes the retention graph */
  int stop_signal;            /* signal that parks threads for the scan */
  int control_signal;         /* signal that asks for a snapshot, 0 = none */
  int control_fd;             /* supervisor's control pipe, -1 = none */
  double interval_seconds;    /* periodic snapshots, 0 = none */
  uint64_t budget_bytes;      /* live-heap budget, 0 = none */
  double growth_percent;      /* capture when the live heap passes its recent mean by this, 0 = off */
  double growth_window_seconds; /* ... the mean over this many seconds (one tick a second) */
  int budget_action;          /* AG_BUDGET_* */
  int quiet;                  /* no warnings on stderr */
} ag_options;

enum { AG_BUDGET_WARN = 0, AG_BUDGET_DUMP = 1, AG_BUDGET_ABORT = 2 };

AG_HIDDEN extern ag_options ag_opt;
AG_HIDDEN void options_parse(const char *text);

/* ---- agent.c ----------------------------------------------------------- */
enum { AG_UNINIT = 0, AG_INITIALIZING = 1, AG_ACTIVE = 2, AG_OFF = 3, AG_DONE = 4 };
AG_HIDDEN extern _Atomic int ag_state;
/* Sample mode places sampled blocks at this alignment, so a free of any
 * other pointer skips the sampled set. */
#define AG_SAMPLE_ALIGN 4096
/* AG_SAMPLE_ALIGN - 1 while sample mode is active, else 0: free's fast path
 * is taken when the pointer has a bit under this mask set. */
AG_HIDDEN extern uintptr_t ag_free_fast_mask;
AG_HIDDEN extern pid_t ag_pid;            /* pid the state belongs to (updated on fork) */
AG_HIDDEN extern uint64_t ag_start_ns;
AG_HIDDEN extern int ag_exit_status;     /* set on the way out, -1 before */
AG_HIDDEN extern int ag_init_tables_ready; /* tables exist (agent_init is past them) */
AG_HIDDEN extern int ag_tls_modules;       /* TLS modules the agent brought (itself, libunwind) */
AG_HIDDEN extern size_t ag_static_tls_size; /* bytes of static TLS below each thread pointer; 0 if unknown */
AG_HIDDEN void agent_init(void);
AG_HIDDEN void agent_exit_sequence(void);
AG_HIDDEN void agent_snapshot(const char *reason);
/* Compare the live heap with the budget; warn, dump or abort on passing it.
 * Hooks call it at most once per AG_BUDGET_STRIDE bytes a thread allocates. */
AG_HIDDEN void agent_check_budget(void);
/* The live heap: exact in full mode, the sampled estimate in sample mode. */
AG_HIDDEN uint64_t agent_live_bytes(void);

/* ---- growth.c ------------------------------------------------------------ */
/* One tick (about a second) of the growth watch: record live, and write a
 * "growth" snapshot when it passes the window's mean (see growth.c). */
AG_HIDDEN void growth_tick(uint64_t now_ns, uint64_t live);
#define AG_BUDGET_STRIDE (256 * 1024)
AG_HIDDEN extern _Atomic int ag_snapshot_requested;

/* Per-thread recursion guard: set while the agent works on this thread
 * (an lvalue; see threads_guard_slot).  Hooks use thread_state.guard. */
#define ag_guard (*threads_guard_slot())
/* Set while this thread may hold live-table locks: nested calls then pass
 * through without touching the table. */
#define ag_in_table (*threads_in_table_slot())

/* ---- sys.c ------------------------------------------------------------- */
AG_HIDDEN void *sys_map(size_t size);          /* zeroed, registered as ours */
AG_HIDDEN void sys_unmap(void *addr, size_t size);
AG_HIDDEN int sys_is_ours(uintptr_t start, uintptr_t end);
AG_HIDDEN uint64_t sys_now_ns(void);
AG_HIDDEN uint64_t sys_realtime_ns(void);
AG_HIDDEN pid_t sys_getpid(void);
AG_HIDDEN pid_t sys_gettid(void);
AG_HIDDEN void sys_warn(const char *msg);      /* "leakscope: msg\n" on stderr, raw */

/* A buffered writer over a file descriptor, no allocation. */
typedef struct {
  int fd;
  int failed;
  size_t used;
  char buf[16384];
} sys_writer;
AG_HIDDEN void sys_put(sys_writer *w, const char *s);
AG_HIDDEN void sys_put_escaped(sys_writer *w, const char *s);
AG_HIDDEN void sys_put_u64(sys_writer *w, uint64_t v);
AG_HIDDEN void sys_put_hex(sys_writer *w, uint64_t v);
AG_HIDDEN void sys_putc(sys_writer *w, char c);
AG_HIDDEN int sys_flush(sys_writer *w);
/* Expand %p in pattern into out; returns 0, -1 if too long. */
AG_HIDDEN int sys_expand_path(const char *pattern, pid_t pid, char *out, size_t outlen);

/* ---- unwind.c ---------------------------------------------------------- */
AG_HIDDEN int unwind_init(void);
/* Capture the caller's stack (the agent's own frames removed), leaf first. */
AG_HIDDEN int unwind_capture(uintptr_t *pcs, int max);
AG_HIDDEN int unwind_is_agent_pc(uintptr_t pc);
/* The range overlaps libleakscope.so's own mapped segments. */
AG_HIDDEN int unwind_is_agent_range(uintptr_t start, uintptr_t end);

/* ---- stacktab.c -------------------------------------------------------- */
typedef struct {
  uint64_t hash;
  uint32_t depth;
  uint32_t id;
  _Atomic uint64_t alloc_objects; /* full: count; sample: weight x 1000 */
  _Atomic uint64_t alloc_bytes;   /* full: bytes; sample: unbiased estimate */
  uintptr_t pcs[];
} stacktab_entry;

AG_HIDDEN int stacktab_init(void);
/* The id of this stack (0 = table full or no stack). */
AG_HIDDEN uint32_t stacktab_intern(const uintptr_t *pcs, int depth);
AG_HIDDEN stacktab_entry *stacktab_get(uint32_t id);
AG_HIDDEN uint32_t stacktab_limit(void);   /* ids in use are below this */
AG_HIDDEN uint32_t stacktab_max_ids(void); /* ids are always below this */
/* Around fork: the insert lock (the child resets it with unlock). */
AG_HIDDEN void stacktab_lock_all(void);
AG_HIDDEN void stacktab_unlock_all(void);

/* ---- live.c ------------------------------------------------------------ */
#define LIVE_STACK_BITS 24
/* The stack id of internal blocks (allocated while the agent works): roots, never reported. */
#define LIVE_STACK_INTERNAL ((1u << LIVE_STACK_BITS) - 1)
AG_HIDDEN int live_init(void);
AG_HIDDEN void live_insert(uintptr_t ptr, size_t size, uint32_t stack);
/* Remove ptr; returns 1 and its size/stack if it was tracked. */
AG_HIDDEN int live_remove(uintptr_t ptr, size_t *size, uint32_t *stack);
typedef void (*live_visit_fn)(uintptr_t ptr, size_t size, uint32_t stack, void *arg);
/* Visit every live block; locks each shard while it is visited unless
 * world_stopped (then reads without locks). */
AG_HIDDEN void live_foreach(live_visit_fn fn, void *arg, int world_stopped);
AG_HIDDEN uint64_t live_count(void);
AG_HIDDEN void live_lock_all(void);
AG_HIDDEN void live_unlock_all(void);
AG_HIDDEN void live_reset_locks(void);

/* ---- sampler.c --------------------------------------------------------- */
AG_HIDDEN int sampler_init(void);
AG_HIDDEN void sampler_record(uintptr_t ptr, size_t size, uint32_t stack, double weight);
AG_HIDDEN int sampler_remove(uintptr_t ptr);
/* 0 when no sampled block can start at ptr (lock-free; a 1 may be false). */
AG_HIDDEN int sampler_may_hold(uintptr_t ptr);
AG_HIDDEN double sampler_next_gap(void);   /* bytes to the next sample, exp. distributed */
AG_HIDDEN double sampler_weight(size_t size);
/* The unbiased estimate of the live heap, kept up to date by record/remove. */
AG_HIDDEN uint64_t sampler_live_bytes(void);
/* Freed samples' lifetimes by decade: AG_LIFETIME_BUCKETS weighted counts
 * per stack (under 1 us, under 10 us, ..., under 100 s, longer). */
#define AG_LIFETIME_BUCKETS 10
AG_HIDDEN void sampler_foreach_lifetime(void (*fn)(uint32_t stack, const double *died, void *arg), void *arg);
AG_HIDDEN void sampler_foreach(void (*fn)(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg), void *arg);
AG_HIDDEN void sampler_lock(void);
AG_HIDDEN void sampler_unlock(void);
AG_HIDDEN void sampler_reset_lock(void);

/* ---- threads.c --------------------------------------------------------- */
/* Per-thread counters, folded on read (no shared cache line on the hot path). */
typedef struct thread_state {
  struct thread_state *next;
  int guard;                /* the agent is working on this thread */
  int in_table;             /* this thread holds (or may hold) live-table locks */
  int registered;           /* listed for the totals */
  uint64_t allocs, frees, bytes_allocated, bytes_freed;
  uint64_t until_sample;    /* sample mode: bytes left before the next sample; else 0 */
  uint64_t sample_gap;      /* sample mode: the gap until_sample started from */
  int64_t until_budget;     /* bytes left before the next budget check */
  uint64_t rng;
  pid_t tid;
} thread_state;

AG_HIDDEN int threads_init(void);
AG_HIDDEN void threads_register(thread_state *st);
AG_HIDDEN extern __thread thread_state ag_thread __attribute__((tls_model("initial-exec")));
/* This thread's state (initial-exec TLS; registered on first use). */
static inline thread_state *threads_self(void) {
  thread_state *st = &ag_thread;
  if (AG_UNLIKELY(!st->registered)) threads_register(st);
  return st;
}
/* The calling thread's DTV block as glibc calloc'ed it (0 if none). */
AG_HIDDEN uintptr_t threads_dtv_block(void);
/* The calling thread's thread pointer (%fs base, its TCB). */
AG_HIDDEN uintptr_t threads_pointer(void);
AG_HIDDEN int *threads_guard_slot(void);
AG_HIDDEN int *threads_in_table_slot(void);
AG_HIDDEN void threads_totals(uint64_t *allocs, uint64_t *frees, uint64_t *bytes_allocated,
                              uint64_t *bytes_freed);
AG_HIDDEN void threads_after_fork_child(void);

typedef struct {
  pid_t tid;
  int stopped;           /* registers and sp below are valid */
  uintptr_t sp;
  uintptr_t regs[18];
  int nregs;
  uintptr_t dtv_block;   /* the thread's DTV block (see scan.c) */
  uintptr_t tp;          /* its thread pointer: static TLS lies just below it */
} threads_stopped;

/* Stop every other thread of the process; returns how many entries were
 * filled in out (at most max).  Threads stay parked until the process ends. */
AG_HIDDEN int threads_stop_world(threads_stopped *out, int max);
/* Called at hook exits: parks this thread if the world is being stopped. */
AG_HIDDEN void threads_park_if_requested(void);
AG_HIDDEN extern _Atomic int threads_stop_requested;
AG_HIDDEN int threads_install_handlers(void);

/* ---- modules.c --------------------------------------------------------- */
AG_HIDDEN void modules_write(sys_writer *w);
AG_HIDDEN void modules_remember(void); /* before dlclose: keep unloaded modules */

/* ---- scan.c ------------------------------------------------------------ */
/* Run the leak check: roots, marking, classification; writes leak lines. */
AG_HIDDEN int scan_run(sys_writer *w, const threads_stopped *threads, int nthreads,
                       uintptr_t self_sp);

/* ---- control.c ---------------------------------------------------------- */
AG_HIDDEN int control_start(void);

/* ---- snapwrite.c ------------------------------------------------------- */
AG_HIDDEN int snapwrite(const char *reason, const threads_stopped *threads, int nthreads,
                        uintptr_t self_sp, int leak_check);
/* A snapshot (no leak check) to an explicit path. */
AG_HIDDEN int snapwrite_to(const char *path, const char *reason);
/* Snapshots written so far. */
AG_HIDDEN uint64_t snapwrite_count(void);

#endif
