/*
 * leakscope.h: the C API for programs that want to talk to the leakscope
 * agent (libleakscope.so) while they run: is the agent there, what are the
 * heap statistics now (the equivalent of Go's runtime.ReadMemStats), and
 * write a snapshot to a path (`leakscope report PATH` reads it).
 *
 * Nothing to link: every function is static inline and finds the agent's
 * exported functions (leakscope_agent_*) with dlsym(RTLD_DEFAULT, ...) on
 * first use.  A program built with this header runs the same without the
 * agent; the calls then return LEAKSCOPE_ENOTLOADED.  On glibc before 2.34
 * link with -ldl (dlsym lives in libdl there).
 *
 * Every function returns 0 (LEAKSCOPE_OK) or a negative LEAKSCOPE_E* code;
 * leakscope_strerror() turns a code into words.  The functions may be called
 * from any thread, but not from a signal handler.
 */
#ifndef LEAKSCOPE_H
#define LEAKSCOPE_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LEAKSCOPE_OK 0
#define LEAKSCOPE_ENOTLOADED (-1) /* the agent is not in this process */
#define LEAKSCOPE_EOFF (-2)       /* the agent is loaded but does not track this process */
#define LEAKSCOPE_EINVAL (-3)     /* a NULL or empty argument */
#define LEAKSCOPE_EIO (-4)        /* the snapshot file could not be written */

#define LEAKSCOPE_MODE_FULL 0   /* every allocation tracked: exact values */
#define LEAKSCOPE_MODE_SAMPLE 1 /* Poisson sampling: live values are unbiased estimates */

/* Heap statistics.  The allocation and free counts are exact in both modes
 * (counted per thread, folded on read); in sample mode live_bytes and
 * live_objects are estimated from the sampled blocks, and freed_bytes_total
 * is not known (0). */
struct leakscope_stats {
  uint64_t live_bytes;            /* heap in use now (like HeapAlloc) */
  uint64_t live_objects;          /* blocks in use now (like HeapObjects) */
  uint64_t allocated_bytes_total; /* bytes allocated since start (like TotalAlloc) */
  uint64_t allocations_total;     /* allocations since start (like Mallocs) */
  uint64_t frees_total;           /* frees since start (like Frees) */
  uint64_t freed_bytes_total;     /* full mode: bytes freed since start */
  uint64_t sampling_interval;     /* mean bytes between samples; 0 in full mode */
  uint64_t snapshots_total;       /* snapshots the agent has written */
  uint64_t uptime_ns;             /* since the agent started */
  int mode;                       /* LEAKSCOPE_MODE_* */
  int pid;
};

/* The agent's exported entry points (the ABI behind the functions below;
 * call those instead).  size is sizeof(struct leakscope_stats) as the
 * caller knows it, so older callers keep working when fields are added. */
int leakscope_agent_loaded(void);
int leakscope_agent_read_stats(struct leakscope_stats *out, size_t size);
int leakscope_agent_write_snapshot(const char *path);

/* The agent's function called name, or NULL when the agent is absent. */
static inline void *leakscope__lookup(const char *name) {
#ifdef RTLD_DEFAULT
  return dlsym(RTLD_DEFAULT, name);
#else
  return dlsym((void *)0, name); /* glibc's RTLD_DEFAULT */
#endif
}

/* 1 when the agent is in the process and tracks it, 0 otherwise. */
static inline int leakscope_loaded(void) {
  static int (*fn)(void);
  if (fn == NULL) fn = (int (*)(void))leakscope__lookup("leakscope_agent_loaded");
  return fn != NULL && fn() == 1;
}

/* Fill *out with the statistics now; 0, or LEAKSCOPE_ENOTLOADED,
 * LEAKSCOPE_EOFF, LEAKSCOPE_EINVAL. */
static inline int leakscope_read_stats(struct leakscope_stats *out) {
  static int (*fn)(struct leakscope_stats *, size_t);
  if (out == NULL) return LEAKSCOPE_EINVAL;
  if (fn == NULL)
    fn = (int (*)(struct leakscope_stats *, size_t))leakscope__lookup("leakscope_agent_read_stats");
  return fn != NULL ? fn(out, sizeof *out) : LEAKSCOPE_ENOTLOADED;
}

/* Write a raw snapshot of the heap now to path (through path.tmp, renamed
 * when complete); 0, or LEAKSCOPE_ENOTLOADED, LEAKSCOPE_EOFF,
 * LEAKSCOPE_EINVAL, LEAKSCOPE_EIO. */
static inline int leakscope_write_snapshot(const char *path) {
  static int (*fn)(const char *);
  if (path == NULL || path[0] == 0) return LEAKSCOPE_EINVAL;
  if (fn == NULL) fn = (int (*)(const char *))leakscope__lookup("leakscope_agent_write_snapshot");
  return fn != NULL ? fn(path) : LEAKSCOPE_ENOTLOADED;
}

/* A short English description of a LEAKSCOPE_* code. */
static inline const char *leakscope_strerror(int code) {
  switch (code) {
    case LEAKSCOPE_OK: return "success";
    case LEAKSCOPE_ENOTLOADED: return "the leakscope agent is not loaded";
    case LEAKSCOPE_EOFF: return "the leakscope agent does not track this process";
    case LEAKSCOPE_EINVAL: return "invalid argument";
    case LEAKSCOPE_EIO: return "the snapshot could not be written";
    default: return "unknown leakscope error";
  }
}

#ifdef __cplusplus
}
#endif

#endif
