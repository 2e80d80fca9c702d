/*
 * unwind.c: stack capture for the hooks.
 *
 * libunwind's unw_backtrace (DWARF CFI with a per-thread cache of unwind
 * rules, correct through code built without frame pointers, such as
 * Debian's libc) does the walk.  libunwind is dlopen'ed with RTLD_LOCAL:
 * linked normally it would export its _Unwind_* family and backtrace() into
 * the program's global scope and take over C++ exception handling.  If it
 * is missing, glibc's backtrace() serves.  The agent's own frames are dropped by
 * address: everything inside libleakscope.so's text.
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <string.h>

#include "agent.h"

typedef int (*unwind_backtrace_fn)(void **buffer, int size);

static unwind_backtrace_fn unwind_walk;
static uintptr_t unwind_self_start, unwind_self_end; /* our executable segment */
static uintptr_t unwind_self_lo, unwind_self_hi;       /* all our segments */

static int unwind_find_self(struct dl_phdr_info *info, size_t size, void *arg) {
  uintptr_t probe = (uintptr_t)arg;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
    if (start < lo) lo = start;
    if (end > hi) hi = end;
  }
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
    if (probe >= start && probe < end) {
      unwind_self_start = start;
      unwind_self_end = end;
      unwind_self_lo = lo;
      unwind_self_hi = hi;
      return 1;
    }
  }
  return 0;
}

int unwind_init(void) {
  dl_iterate_phdr(unwind_find_self, (void *)(uintptr_t)&unwind_init);
  void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  if (lib != NULL) {
    unwind_backtrace_fn fn = (unwind_backtrace_fn)dlsym(lib, "unw_backtrace");
    if (fn != NULL) {
      void *prime[4];
      fn(prime, 4);
      unwind_walk = fn;
      return 0;
    }
  }
  void *prime[4];
  backtrace(prime, 4); /* loads libgcc_s now, not inside a hook */
  unwind_walk = backtrace;
  sys_warn("libunwind.so.8 not found; using glibc backtrace() (slower)");
  return -1;
}

int unwind_is_agent_pc(uintptr_t pc) { return pc >= unwind_self_start && pc < unwind_self_end; }

int unwind_is_agent_range(uintptr_t start, uintptr_t end) {
  return start < unwind_self_hi && unwind_self_lo < end;
}

int unwind_capture(uintptr_t *pcs, int max) {
  if (AG_UNLIKELY(unwind_walk == NULL)) return 0; /* tracking starts after unwind_init */
  void *raw[AG_MAX_DEPTH + 8];
  int want = max + 8 > AG_MAX_DEPTH + 8 ? AG_MAX_DEPTH + 8 : max + 8;
  int n = unwind_walk(raw, want);
  int skip = 0;
  while (skip < n && unwind_is_agent_pc((uintptr_t)raw[skip])) skip++;
  int depth = n - skip < max ? n - skip : max;
  for (int i = 0; i < depth; i++) pcs[i] = (uintptr_t)raw[skip + i];
  return depth;
}
