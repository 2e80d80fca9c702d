/*
 * sys.h: the agent's only door to the operating system: memory it maps for
 * itself (registered, so the leak scan never treats the agent's tables as
 * roots), files under /proc/self, raw file output through a small buffered
 * writer, clocks, pids and signals.  Nothing here calls malloc, and
 * nothing takes a lock that a signal handler could hold.
 */
#ifndef LEAKSCOPE_AGENT_SYS_H
#define LEAKSCOPE_AGENT_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"

/* Zeroed memory from mmap, registered as the agent's own; NULL on failure. */
AG_HIDDEN void *sys_map(size_t size);
AG_HIDDEN void sys_unmap(void *addr, size_t size);
/* The range overlaps memory sys_map() gave out. */
AG_HIDDEN int sys_is_ours(uintptr_t start, uintptr_t end);
/* The memory sys_map() gave out, as up to max [start, end) pairs sorted by
 * start; returns how many. */
typedef struct {
  uintptr_t start, end;
} sys_range;
AG_HIDDEN int sys_ours(sys_range *out, int max);

AG_HIDDEN uint64_t sys_now_ns(void);      /* CLOCK_MONOTONIC */
AG_HIDDEN uint64_t sys_realtime_ns(void); /* CLOCK_REALTIME */
AG_HIDDEN pid_t sys_getpid(void);         /* the kernel's answer, never a cache */
AG_HIDDEN pid_t sys_gettid(void);
/* Send sig to thread tid of this process; 0, or -1 (ESRCH: it is gone). */
AG_HIDDEN int sys_tgkill(pid_t tid, int sig);

/* Hold the calling thread's asynchronous signals back (all but the
 * synchronous SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, which a
 * fault must get at once) with one raw rt_sigprocmask; returns the mask to
 * give sys_unblock_signals, which puts it back (a signal that arrived
 * meanwhile is delivered then).  errno is kept. */
AG_HIDDEN uint64_t sys_block_async_signals(void);
AG_HIDDEN void sys_unblock_signals(uint64_t was);

/* open(path, flags | O_CLOEXEC, mode), the descriptor moved out of the
 * program's way (to the top of the first 1024); -1 and errno on failure. */
AG_HIDDEN int sys_open(const char *path, int flags, mode_t mode);
/* A descriptor of the agent's (or of a library working for it) moved
 * there: the new number (close-on-exec), or fd itself when there is no
 * room; errno is kept. */
AG_HIDDEN int sys_move_high(int fd);

/* The calling thread gets a descriptor table of its own (unshare), with
 * none of the program's descriptors in it but a copy of stderr when
 * keep_stderr is set (/dev/null in its place otherwise, and as 0 and 1):
 * the files it opens then are invisible to the program and never take a
 * number the program would get.  0, or -1 (the table may be shared still,
 * or empty: the thread's warnings may be lost). */
AG_HIDDEN int sys_private_files(int keep_stderr);

/* path exists and is neither a regular file nor a directory (/dev/null, a
 * FIFO): written in place, since renaming over it would replace it. */
AG_HIDDEN int sys_is_special_file(const char *path);

/* A warning: "==PID== leakscope: msg\n" on stderr with raw writes, unless the
 * quiet option is set, or kept for the snapshots with warnings=snapshot
 * (the supervisor prints them with the process's pid; the first
 * SYS_WARNINGS_KEPT are kept).  errno is kept. */
AG_HIDDEN void sys_warn(const char *msg);
/* The same, always on stderr (a warning no snapshot can carry). */
AG_HIDDEN void sys_warn_stderr(const char *msg);
#define SYS_WARNINGS_KEPT 16
/* The kept warnings, in order; NULL past the last. */
AG_HIDDEN const char *sys_warning(int i);

/* The environment, read and edited in environ itself: a program may define
 * getenv and unsetenv of its own (bash does), which the agent must not
 * call before the program has started.  sys_getenv returns the value of
 * name or NULL; sys_unsetenv removes every entry of name (allocating
 * nothing). */
AG_HIDDEN char *sys_getenv(const char *name);
AG_HIDDEN void sys_unsetenv(const char *name);

/* Reads /proc/self/NAME (or any path) whole into buf, NUL-terminated;
 * returns the bytes read (at most cap - 1), or -1. */
AG_HIDDEN ssize_t sys_read_file(const char *path, char *buf, size_t cap);
/* The path of the running executable, NUL-terminated ("" if unknown). */
AG_HIDDEN void sys_exe_path(char *buf, size_t cap);
/* The mapping of /proc/self/maps that holds addr: 0 and its bounds (and
 * whether it is the main thread's "[stack]"), or -1. */
AG_HIDDEN int sys_find_mapping(uintptr_t addr, uintptr_t *start, uintptr_t *end, int *main_stack);
/* Calls fn for every thread of the process (from /proc/self/task) until it
 * returns non-zero; returns -1 if the list cannot be read. */
AG_HIDDEN int sys_foreach_thread(int (*fn)(pid_t tid, void *arg), void *arg);

/* A buffered writer over a file descriptor, no allocation.  A failed write
 * sets failed; later writes are dropped. */
typedef struct {
  int fd;
  int failed;
  size_t used;
  char buf[16384];
} sys_writer;
/* Starts w on fd. */
AG_HIDDEN void sys_writer_open(sys_writer *w, int fd);
AG_HIDDEN void sys_put(sys_writer *w, const char *s);
/* s with '%', spaces, tabs and line breaks written as %XX (docs/FORMAT.md). */
AG_HIDDEN void sys_put_escaped(sys_writer *w, const char *s);
AG_HIDDEN void sys_put_u64(sys_writer *w, uint64_t v);
AG_HIDDEN void sys_put_hex(sys_writer *w, uint64_t v);
AG_HIDDEN void sys_putc(sys_writer *w, char c);
/* "KEY VALUE\n", VALUE in decimal. */
AG_HIDDEN void sys_put_field(sys_writer *w, const char *key, uint64_t value);
/* Writes what is buffered; 0, or -1 if any write failed. */
AG_HIDDEN int sys_flush(sys_writer *w);

/* Expands %p in pattern into out; 0, or -1 if the result does not fit. */
AG_HIDDEN int sys_expand_path(const char *pattern, pid_t pid, char *out, size_t outlen);

#endif
