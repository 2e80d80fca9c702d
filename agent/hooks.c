/*
 * hooks.c: the interposed functions, and nothing else:
 *   - the malloc family: each shim tries record.h's fast path, forwards to
 *     glibc's __libc_* entry points (which need no dlsym and work before
 *     any constructor), and leaves everything else to record.c;
 *   - the ends of the program: __libc_start_main (to know when main
 *     returns), exit and _exit/_Exit (so programs that skip exit() are
 *     still checked);
 *   - sigaction, signal and sigaltstack (signals.c keeps the program's view
 *     of fatal signals and of the threads' alternate stacks), and
 *     pthread_create (each thread gets an alternate stack for the report
 *     of its stack overflow);
 *   - the exec family, posix_spawn, system and popen (children.c marks
 *     programs that are not traced);
 *   - setuid, seteuid, setreuid and setresuid (snapwrite.c makes the exit
 *     snapshot's file for the user a privileged process becomes);
 *   - dlopen (RTLD_DEEPBIND would bypass these hooks) and dlclose (the
 *     module map is kept for stacks inside unloaded objects);
 *   - pipe2, for libunwind's pipe (unwind=libunwind, unwind_check), which
 *     unwind.c keeps out of the program's sight;
 *   - operator new[] and its variants, only to note the entry point for
 *     the allocation's stack (record.c): the C++ runtime's own operator
 *     new[] does the work (it calls operator new, which calls malloc), so
 *     a block from new[] is told from one from new, as memcheck tells them.
 * malloc_usable_size is wrapped too: a full-mode block's header is not the
 * program's.  The functions behind the shims that are not
 * the malloc family are found with dlsym(RTLD_NEXT) on first use.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "children.h"
#include "glibc.h"
#include "modules.h"
#include "record.h"
#include "signals.h"
#include "snapwrite.h"
#include "threads.h"
#include "unwind.h"

/* The next definitions (libc's) of the shims below that are not the
 * malloc family, looked up by a constructor (or on a call before it), never
 * in the middle of a vfork child's exec. */
#define HOOKS_NEXT_LIST(X)                                                  \
  X(__libc_start_main) X(exit) X(__cxa_atexit) X(on_exit) X(execve) X(execv) X(execvp) X(execvpe)      \
  X(fexecve) X(posix_spawn) X(posix_spawnp) X(system) X(popen) X(setuid) X(seteuid) X(setreuid)       \
  X(setresuid) X(dlopen) X(dlclose) X(pthread_create)
enum {
#define X(name) HOOKS_NEXT_##name,
  HOOKS_NEXT_LIST(X)
#undef X
  HOOKS_NEXT_COUNT
};
static const char *const hooks_next_names[HOOKS_NEXT_COUNT] = {
#define X(name) #name,
    HOOKS_NEXT_LIST(X)
#undef X
};
static void *hooks_next[HOOKS_NEXT_COUNT];

__attribute__((constructor)) static void hooks_resolve(void) {
  for (int i = 0; i < HOOKS_NEXT_COUNT; i++)
    if (hooks_next[i] == NULL) hooks_next[i] = dlsym(RTLD_NEXT, hooks_next_names[i]);
}

/* libc's definition of name, as a function of type. */
#define HOOKS_NEXT(type, name)                                                \
  if (AG_UNLIKELY(hooks_next[HOOKS_NEXT_##name] == NULL)) hooks_resolve();    \
  type hooks_next_##name = (type)hooks_next[HOOKS_NEXT_##name]

/* Every slow path starts here: the first call into the agent starts it. */
static inline void hooks_ready(void) {
  if (AG_UNLIKELY(state_phase() == AG_UNINIT)) agent_start();
}

AG_EXPORT void *malloc(size_t size) {
  if (record_sample_skip(size)) return __libc_malloc(size);
  hooks_ready();
  return record_alloc(RECORD_MALLOC, 0, 0, size);
}

AG_EXPORT void free(void *p) {
  if (record_free_fast(p)) {
    __libc_free(p);
    return;
  }
  if (p == NULL) return;
  hooks_ready();
  record_free(p);
}

/* ld.so's calloc of a new thread's DTV: counted (when it is) less the
 * entries of the agent's own TLS modules, which memcheck never sees. */
static __attribute__((noinline)) void *hooks_dtv_calloc(size_t n, size_t size, size_t total) {
  uint64_t counted = ag_thread.allocs;
  void *p;
  if (record_sample_skip(total)) {
    p = __libc_calloc(n, size);
  } else {
    hooks_ready();
    p = record_alloc(RECORD_CALLOC, 0, n, total);
  }
  if (p != NULL && ag_thread.allocs != counted) record_discount(agent_dtv_bytes());
  return p;
}

AG_EXPORT void *calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) return __libc_calloc(n, size); /* glibc fails it */
  if (AG_UNLIKELY(glibc_is_dtv_calloc(__builtin_return_address(0), size))) return hooks_dtv_calloc(n, size, total);
  if (record_sample_skip(total)) return __libc_calloc(n, size);
  hooks_ready();
  return record_alloc(RECORD_CALLOC, 0, n, total);
}

AG_EXPORT void *realloc(void *old, size_t size) {
  if (AG_LIKELY(((uintptr_t)old & (AG_SAMPLE_ALIGN - 1)) != 0) && AG_LIKELY(size != 0) &&
      record_sample_skip(size)) {
    ag_thread.frees++;
    return __libc_realloc(old, size);
  }
  hooks_ready();
  return record_realloc(old, size);
}

AG_EXPORT void *reallocarray(void *old, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(old, total);
}

/* The aligned family: glibc has no __libc_ export for posix_memalign and
 * aligned_alloc, so they are built on __libc_memalign with glibc's checks. */
AG_EXPORT void *memalign(size_t align, size_t size) {
  hooks_ready();
  return record_alloc(RECORD_MEMALIGN, align, 0, size);
}

AG_EXPORT void *aligned_alloc(size_t align, size_t size) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  hooks_ready();
  return record_alloc(RECORD_MEMALIGN, align, 0, size);
}

AG_EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0) return EINVAL;
  int saved = errno;
  hooks_ready();
  void *p = record_alloc(RECORD_MEMALIGN, align, 0, size);
  if (p == NULL) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

AG_EXPORT void *valloc(size_t size) {
  hooks_ready();
  return record_alloc(RECORD_VALLOC, AG_SAMPLE_ALIGN, 0, size);
}

AG_EXPORT void *pvalloc(size_t size) {
  hooks_ready();
  return record_alloc(RECORD_PVALLOC, AG_SAMPLE_ALIGN, 0, size);
}

AG_EXPORT void cfree(void *p) { free(p); }

AG_EXPORT size_t malloc_usable_size(void *p) { return p != NULL ? record_usable_size(p) : 0; }

/* operator new[] (size, [alignment,] [nothrow]): the C++ runtime's, with
 * this entry point noted for the allocation it makes (record.c); the note
 * is put back after the call (the runtime's bad_alloc, thrown through
 * here, leaves it for the next capture, which does not find its caller's
 * frame and ignores it).  Without a runtime defining it (cannot happen
 * for a program calling it) it fails as new_handler-less new does. */
enum { HOOKS_NEW_ARRAY_VARIANTS = 4 };
static void *hooks_new_next[HOOKS_NEW_ARRAY_VARIANTS];

/* The C++ runtime's variant i (name), looked up on its first call: a C
 * program never calls one, so never looks one up (a failed dlsym leaves
 * dlerror's buffer behind, which the program would be charged for).  What
 * dlsym allocates is the agent's (the guard). */
static void *hooks_new_resolve(int i, const char *name) {
  void *f = __atomic_load_n(&hooks_new_next[i], __ATOMIC_ACQUIRE);
  if (f == NULL) {
    int was = guard_enter_self(GUARD_AGENT);
    f = dlsym(RTLD_NEXT, name);
    guard_leave(&ag_thread, was);
    __atomic_store_n(&hooks_new_next[i], f, __ATOMIC_RELEASE);
  }
  return f;
}

#define HOOKS_NEW_ARRAY(i, name, params, args)                                \
  typedef void *(*hooks_##name##_fn) params;                                  \
  AG_EXPORT void *name params {                                               \
    hooks_##name##_fn hooks_next_##name = (hooks_##name##_fn)hooks_new_resolve(i, #name); \
    if (hooks_next_##name == NULL) abort();                                   \
    ag_tstate *st = &ag_thread;                                               \
    uintptr_t ret = st->entry_ret, pc = st->entry_pc;                         \
    st->entry_ret = (uintptr_t)__builtin_return_address(0);                   \
    st->entry_pc = (uintptr_t)&name + 1; /* a return address into it */      \
    void *p = hooks_next_##name args;                                         \
    st->entry_ret = ret;                                                      \
    st->entry_pc = pc;                                                        \
    return p;                                                                 \
  }
HOOKS_NEW_ARRAY(0, _Znam, (size_t size), (size))
HOOKS_NEW_ARRAY(1, _ZnamRKSt9nothrow_t, (size_t size, const void *nothrow), (size, nothrow))
HOOKS_NEW_ARRAY(2, _ZnamSt11align_val_t, (size_t size, size_t align), (size, align))
HOOKS_NEW_ARRAY(3, _ZnamSt11align_val_tRKSt9nothrow_t, (size_t size, size_t align, const void *nothrow),
                (size, align, nothrow))

/* ---- the ends of the program ---------------------------------------------- */

typedef int (*hooks_main_fn)(int, char **, char **);
static hooks_main_fn hooks_program_main;

/* main, as __libc_start_main calls it: when it returns, the program exits. */
static int hooks_main(int argc, char **argv, char **envp) {
  int status = hooks_program_main(argc, argv, envp);
  threads_clear_margin(agent_before_exit());
  return status;
}

AG_EXPORT int __libc_start_main(hooks_main_fn main, int argc, char **argv, void (*init)(void),
                                void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
  typedef int (*start_fn)(hooks_main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
  HOOKS_NEXT(start_fn, __libc_start_main);
  hooks_program_main = main;
  return hooks_next___libc_start_main(hooks_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* A constructor that registers an exit handler before it allocates: the
 * agent starts first, so that its own handler stays the oldest. */
AG_EXPORT int __cxa_atexit(void (*fn)(void *), void *arg, void *dso) {
  typedef int (*next_fn)(void (*)(void *), void *, void *);
  HOOKS_NEXT(next_fn, __cxa_atexit);
  hooks_ready();
  return hooks_next___cxa_atexit(fn, arg, dso);
}

AG_EXPORT int on_exit(void (*fn)(int, void *), void *arg) {
  typedef int (*next_fn)(void (*)(int, void *), void *);
  HOOKS_NEXT(next_fn, on_exit);
  hooks_ready();
  return hooks_next_on_exit(fn, arg);
}

AG_EXPORT __attribute__((noreturn)) void exit(int status) {
  typedef void (*exit_fn)(int) __attribute__((noreturn));
  HOOKS_NEXT(exit_fn, exit);
  threads_clear_margin(agent_before_exit());
  hooks_next_exit(status);
}

AG_EXPORT __attribute__((noreturn)) void _exit(int status) {
  threads_clear_margin(agent_before_exit());
  agent_exit(status);
  for (;;) syscall(SYS_exit_group, status);
}

AG_EXPORT __attribute__((noreturn)) void _Exit(int status) { _exit(status); }

/* ---- signals ------------------------------------------------------------------- */

AG_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  return signals_sigaction(sig, act, old);
}

AG_EXPORT int sigaltstack(const stack_t *ss, stack_t *old) { return signals_sigaltstack(ss, old); }

AG_EXPORT __sighandler_t signal(int sig, __sighandler_t handler) { return signals_signal(sig, handler, SA_RESTART); }
AG_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t handler) { return signals_signal(sig, handler, SA_RESTART); }
AG_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t handler) {
  return signals_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

AG_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  typedef int (*fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
  HOOKS_NEXT(fn, pthread_create);
  void *prepared = signals_thread_prepare(start, arg);
  if (prepared == NULL) return hooks_next_pthread_create(thread, attr, start, arg);
  int rc = hooks_next_pthread_create(thread, attr, signals_thread_main, prepared);
  if (rc != 0) signals_thread_discard(prepared);
  return rc;
}

/* ---- descriptors ------------------------------------------------------------------ */

/* glibc's pipe2 is the system call alone; libunwind's, inside the agent's
 * work, is unwind.c's. */
AG_EXPORT int pipe2(int fds[2], int flags) {
  if (syscall(SYS_pipe2, fds, flags) != 0) return -1;
  if (AG_UNLIKELY(ag_thread.guard != GUARD_NONE) && unwind_is_libunwind_pc((uintptr_t)__builtin_return_address(0)))
    unwind_libunwind_pipe(fds, flags);
  return 0;
}

/* ---- programs run by the program ------------------------------------------------- */

AG_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  typedef int (*fn)(const char *, char *const[], char *const[]);
  HOOKS_NEXT(fn, execve);
  children_before_exec(path);
  int rc = hooks_next_execve(path, argv, envp);
  children_exec_failed();
  return rc;
}

AG_EXPORT int execv(const char *path, char *const argv[]) {
  typedef int (*fn)(const char *, char *const[]);
  HOOKS_NEXT(fn, execv);
  children_before_exec(path);
  int rc = hooks_next_execv(path, argv);
  children_exec_failed();
  return rc;
}

AG_EXPORT int execvp(const char *file, char *const argv[]) {
  typedef int (*fn)(const char *, char *const[]);
  HOOKS_NEXT(fn, execvp);
  children_before_exec(file);
  int rc = hooks_next_execvp(file, argv);
  children_exec_failed();
  return rc;
}

AG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  typedef int (*fn)(const char *, char *const[], char *const[]);
  HOOKS_NEXT(fn, execvpe);
  children_before_exec(file);
  int rc = hooks_next_execvpe(file, argv, envp);
  children_exec_failed();
  return rc;
}

AG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  typedef int (*fn)(int, char *const[], char *const[]);
  HOOKS_NEXT(fn, fexecve);
  children_before_exec(argv[0] != NULL ? argv[0] : "(fexecve)");
  int rc = hooks_next_fexecve(fd, argv, envp);
  children_exec_failed();
  return rc;
}

/* The execl family: the arguments up to the terminating NULL as execv's
 * array (a VLA of the caller's frame, as glibc's own execl builds it). */
#define HOOKS_COLLECT_ARGS(first, ap, argv)                                  \
  size_t argc = 1;                                                          \
  va_start(ap, first);                                                      \
  while (va_arg(ap, char *) != NULL) argc++;                                \
  va_end(ap);                                                               \
  char *argv[argc + 1];                                                     \
  argv[0] = (char *)(first);                                                \
  va_start(ap, first);                                                      \
  for (size_t i = 1; i <= argc; i++) argv[i] = va_arg(ap, char *)

AG_EXPORT int execl(const char *path, const char *arg, ...) {
  va_list ap;
  HOOKS_COLLECT_ARGS(arg, ap, argv);
  va_end(ap);
  return execv(path, argv);
}

AG_EXPORT int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  HOOKS_COLLECT_ARGS(arg, ap, argv);
  va_end(ap);
  return execvp(file, argv);
}

AG_EXPORT int execle(const char *path, const char *arg, ...) {
  va_list ap;
  HOOKS_COLLECT_ARGS(arg, ap, argv);
  char *const *envp = va_arg(ap, char *const *); /* after the NULL */
  va_end(ap);
  return execve(path, argv, envp);
}

AG_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  typedef int (*fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                    char *const[], char *const[]);
  HOOKS_NEXT(fn, posix_spawn);
  int rc = hooks_next_posix_spawn(pid, path, actions, attr, argv, envp);
  if (rc == 0) children_spawned(path);
  return rc;
}

AG_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  typedef int (*fn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                    char *const[], char *const[]);
  HOOKS_NEXT(fn, posix_spawnp);
  int rc = hooks_next_posix_spawnp(pid, file, actions, attr, argv, envp);
  if (rc == 0) children_spawned(file);
  return rc;
}

/* glibc's system and popen start the shell with a posix_spawn of their own. */
AG_EXPORT int system(const char *command) {
  typedef int (*fn)(const char *);
  HOOKS_NEXT(fn, system);
  if (command != NULL) children_spawned("/bin/sh");
  return hooks_next_system(command);
}

AG_EXPORT FILE *popen(const char *command, const char *mode) {
  typedef FILE *(*fn)(const char *, const char *);
  HOOKS_NEXT(fn, popen);
  FILE *f = hooks_next_popen(command, mode);
  if (f != NULL) children_spawned("/bin/sh");
  return f;
}

/* ---- privileges ------------------------------------------------------------------ */

/* Before the process takes another user's identity, its exit snapshot's
 * file is made where that user could not make it (snapwrite.c). */
static void hooks_before_identity(uid_t uid) {
  if (uid != (uid_t)-1 && state_active() && ag_thread.guard == GUARD_NONE) {
    int was = guard_enter_self(GUARD_AGENT);
    snapwrite_prepare_for_user(uid);
    guard_leave_self(was);
  }
}

AG_EXPORT int setuid(uid_t uid) {
  typedef int (*fn)(uid_t);
  HOOKS_NEXT(fn, setuid);
  hooks_before_identity(uid);
  return hooks_next_setuid(uid);
}

AG_EXPORT int seteuid(uid_t uid) {
  typedef int (*fn)(uid_t);
  HOOKS_NEXT(fn, seteuid);
  hooks_before_identity(uid);
  return hooks_next_seteuid(uid);
}

AG_EXPORT int setreuid(uid_t ruid, uid_t euid) {
  typedef int (*fn)(uid_t, uid_t);
  HOOKS_NEXT(fn, setreuid);
  hooks_before_identity(euid != (uid_t)-1 ? euid : ruid);
  return hooks_next_setreuid(ruid, euid);
}

AG_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid) {
  typedef int (*fn)(uid_t, uid_t, uid_t);
  HOOKS_NEXT(fn, setresuid);
  hooks_before_identity(euid);
  return hooks_next_setresuid(ruid, euid, suid);
}

/* ---- loaded objects ------------------------------------------------------------- */

AG_EXPORT void *dlopen(const char *file, int flags) {
  typedef void *(*fn)(const char *, int);
  HOOKS_NEXT(fn, dlopen);
  if ((flags & RTLD_DEEPBIND) && state_active()) {
    sys_warn("RTLD_DEEPBIND removed from a dlopen call so the library's allocations are seen");
    flags &= ~RTLD_DEEPBIND;
  }
  return hooks_next_dlopen(file, flags);
}

AG_EXPORT int dlclose(void *handle) {
  typedef int (*fn)(void *);
  HOOKS_NEXT(fn, dlclose);
  if (state_active() && ag_thread.guard == GUARD_NONE) {
    int was = guard_enter_self(GUARD_AGENT);
    modules_remember();
    guard_leave_self(was);
  }
  int rc = hooks_next_dlclose(handle);
  unwind_flush(); /* cached unwind rules may name the unloaded code */
  return rc;
}
