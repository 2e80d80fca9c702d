/*
 * hooks.c: the interposed functions, and nothing else: the malloc family
 * (each shim tries record.h's fast path, forwards to glibc's __libc_* entry
 * points, which need no dlsym and work before any constructor, and leaves
 * everything else to record.c), _exit/_Exit (so programs that skip exit()
 * are still checked), dlopen (RTLD_DEEPBIND would bypass these hooks) and
 * dlclose (the module map is kept for stacks inside unloaded objects).
 * malloc_usable_size is not wrapped: blocks carry no header, so glibc's
 * answer is right as it is.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "glibc.h"
#include "modules.h"
#include "record.h"
#include "unwind.h"

AG_EXPORT void *malloc(size_t size) {
  if (record_sample_skip(size)) return __libc_malloc(size);
  return record_alloc(RECORD_MALLOC, 0, 0, size);
}

AG_EXPORT void free(void *p) {
  if (record_free_fast(p)) {
    __libc_free(p);
    return;
  }
  if (p != NULL) record_free(p);
}

AG_EXPORT void *calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) return __libc_calloc(n, size); /* glibc fails it */
  if (record_sample_skip(total)) return __libc_calloc(n, size);
  return record_alloc(RECORD_CALLOC, 0, n, total);
}

AG_EXPORT void *realloc(void *old, size_t size) {
  if (AG_LIKELY(((uintptr_t)old & (AG_SAMPLE_ALIGN - 1)) != 0) && AG_LIKELY(size != 0) &&
      record_sample_skip(size)) {
    ag_thread.frees++;
    return __libc_realloc(old, size);
  }
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
AG_EXPORT void *memalign(size_t align, size_t size) { return record_alloc(RECORD_MEMALIGN, align, 0, size); }

AG_EXPORT void *aligned_alloc(size_t align, size_t size) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return NULL;
  }
  return record_alloc(RECORD_MEMALIGN, align, 0, size);
}

AG_EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0) return EINVAL;
  int saved = errno;
  void *p = record_alloc(RECORD_MEMALIGN, align, 0, size);
  if (p == NULL) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

AG_EXPORT void *valloc(size_t size) { return record_alloc(RECORD_VALLOC, AG_SAMPLE_ALIGN, 0, size); }
AG_EXPORT void *pvalloc(size_t size) { return record_alloc(RECORD_PVALLOC, AG_SAMPLE_ALIGN, 0, size); }

AG_EXPORT void cfree(void *p) { free(p); }

AG_EXPORT __attribute__((noreturn)) void _exit(int status) {
  agent_exit(status);
  for (;;) syscall(SYS_exit_group, status);
}

AG_EXPORT __attribute__((noreturn)) void _Exit(int status) { _exit(status); }

AG_EXPORT void *dlopen(const char *file, int flags) {
  static void *(*real_dlopen)(const char *, int);
  if (real_dlopen == NULL) real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
  if ((flags & RTLD_DEEPBIND) && state_active()) {
    sys_warn("RTLD_DEEPBIND removed from a dlopen call so the library's allocations are seen");
    flags &= ~RTLD_DEEPBIND;
  }
  return real_dlopen(file, flags);
}

AG_EXPORT int dlclose(void *handle) {
  static int (*real_dlclose)(void *);
  if (real_dlclose == NULL) real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
  if (state_active() && ag_thread.guard == GUARD_NONE) {
    int was = guard_enter_self(GUARD_AGENT);
    modules_remember();
    guard_leave_self(was);
  }
  int rc = real_dlclose(handle);
  unwind_flush(); /* cached unwind rules may name the unloaded code */
  return rc;
}
