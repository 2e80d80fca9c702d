/*
 * attach.c: the agent in a program that was already running, loaded by
 * `leakscope attach` (see attach.h and docs/LIVE.md).  The command stops
 * one thread with ptrace, makes it dlopen the agent (whose constructor then
 * does nothing: agent.c sees it was not preloaded) and call
 * leakscope_agent_attach, and lets it go.  Attaching:
 *
 *   1. the options, from the file the command wrote (sample mode only);
 *   2. the program's malloc must be glibc's (the shims forward to it);
 *   3. the agent's tables, once (agent_start_attached; a second attach
 *      reuses them, emptied of what the first one left);
 *   4. the GOT entries of the malloc family in every loaded object point to
 *      the agent's shims (got.c; thin ones of this file in front of
 *      hooks.c's), dlopen's to a trampoline that patches the objects it
 *      loads, dlclose's to the agent's (the module map);
 *   5. tracking on, live retention snapshots on (livescan.c, the threads
 *      stopped with ptrace alone: the stop signal has no handler here), the
 *      control thread started (control.c), which also runs attach_tick: objects loaded some other way (libc's own dlopen
 *      of NSS modules) are patched within a tick, and once the supervisor's
 *      lock is free the agent detaches.
 *
 * Detaching (on the control thread): a last snapshot, the entries back,
 * tracking off (a shim reached through a pointer the program took meanwhile
 * passes the call to glibc), the control thread ends (and a live snapshot's
 * child still scanning with it).  Sampled blocks are
 * page-aligned glibc blocks: glibc's free takes them later.  Nothing of
 * the program's is changed for good: no descriptor is kept, no signal
 * handler installed; one exit handler (the exit snapshot) and fork handlers
 * are registered once and do nothing once detached.  A fork child of an
 * attached program detaches itself at once.
 *
 * The dlopen trampoline keeps dlopen's caller: glibc picks the search path
 * (RUNPATH, $ORIGIN) and namespace by the return address it is called
 * with, so the trampoline enters glibc's dlopen with a return address in
 * the caller's own object (a ret instruction there, got_ret_gadget), which
 * returns to the trampoline.  Under a shadow stack that return would fault,
 * so then dlopen is left alone and the tick patches new objects.
 */
#include "attach.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent.h"
#include "blocks.h"
#include "chunks.h"
#include "control.h"
#include "got.h"
#include "livescan.h"
#include "options.h"
#include "record.h"
#include "sampler.h"
#include "snapwrite.h"
#include "spin.h"
#include "stacktab.h"
#include "state.h"
#include "sys.h"
#include "threads.h"
#include "tstate.h"
#include "unwind.h"

#define ATTACH_CHECK_NS 100000000ull /* the supervisor's lock, every 100 ms */

/* The functions an entry may go to: the agent's shims (hooks.c, found by
 * dlsym in the agent itself: a reference to them from here would bind to
 * glibc's) and glibc's own, for the calls the agent makes for itself. */
typedef struct {
  void *(*malloc)(size_t);
  void (*free)(void *);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
} attach_fns;
static attach_fns attach_hooks, attach_glibc;

/* ---- the shims of an attach ------------------------------------------------------- */

/* In front of hooks.c's, with the same fast paths (inline in record.h, so
 * an attached program pays what a preloaded one does).  The difference is
 * on the slow path: a call the agent makes for itself (the guard is up:
 * pthread_setspecific's array, glibc's helpers) goes to glibc as it is,
 * instead of becoming an internal block with a header (blocks.h): after
 * the detach glibc frees such blocks itself, and must find its own. */
static inline int attach_nested(void) { return AG_UNLIKELY(ag_thread.guard != GUARD_NONE); }

static void *attach_malloc(size_t size) {
  if (record_sample_skip(size)) return __libc_malloc(size);
  return attach_nested() ? __libc_malloc(size) : attach_hooks.malloc(size);
}

static void *attach_calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total) || record_sample_skip(total)) return __libc_calloc(n, size);
  return attach_nested() ? __libc_calloc(n, size) : attach_hooks.calloc(n, size);
}

static void *attach_realloc(void *old, size_t size) {
  if (AG_LIKELY(((uintptr_t)old & (AG_SAMPLE_ALIGN - 1)) != 0) && AG_LIKELY(size != 0) &&
      record_sample_skip(size)) {
    ag_thread.frees++;
    return __libc_realloc(old, size);
  }
  blocks_info b;
  if (attach_nested() && !blocks_get(old, &b)) return __libc_realloc(old, size);
  return attach_hooks.realloc(old, size);
}

/* (hooks.c's reallocarray and cfree call realloc and free by name, which
 * in a dlopen'ed agent are glibc's) */
static void *attach_reallocarray(void *old, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return attach_realloc(old, total);
}

static void attach_cfree(void *p) { attach_hooks.free(p); }
static void attach_free_sized(void *p, size_t size) { attach_hooks.free(p); }
static void attach_free_aligned_sized(void *p, size_t align, size_t size) { attach_hooks.free(p); }

static void *attach_memalign(size_t align, size_t size) {
  return attach_nested() ? attach_glibc.memalign(align, size) : attach_hooks.memalign(align, size);
}
static void *attach_aligned_alloc(size_t align, size_t size) {
  return attach_nested() ? attach_glibc.aligned_alloc(align, size) : attach_hooks.aligned_alloc(align, size);
}
static int attach_posix_memalign(void **out, size_t align, size_t size) {
  return attach_nested() ? attach_glibc.posix_memalign(out, align, size) : attach_hooks.posix_memalign(out, align, size);
}
static void *attach_valloc(size_t size) { return attach_nested() ? attach_glibc.valloc(size) : attach_hooks.valloc(size); }
static void *attach_pvalloc(size_t size) { return attach_nested() ? attach_glibc.pvalloc(size) : attach_hooks.pvalloc(size); }

AG_HIDDEN void attach_dlopen_tramp(void);

/* The names redirected and where each goes (NULL: the agent's function of
 * that name, found in the agent); the __libc_ names go where theirs do. */
static const struct {
  const char *name;
  void *ours;
} attach_names[] = {
    {"malloc", (void *)attach_malloc}, {"free", NULL}, {"calloc", (void *)attach_calloc},
    {"realloc", (void *)attach_realloc}, {"reallocarray", (void *)attach_reallocarray},
    {"posix_memalign", (void *)attach_posix_memalign}, {"aligned_alloc", (void *)attach_aligned_alloc},
    {"memalign", (void *)attach_memalign}, {"valloc", (void *)attach_valloc}, {"pvalloc", (void *)attach_pvalloc},
    {"cfree", (void *)attach_cfree}, {"free_sized", (void *)attach_free_sized},
    {"free_aligned_sized", (void *)attach_free_aligned_sized},
    {"__libc_malloc", (void *)attach_malloc}, {"__libc_free", NULL}, {"__libc_calloc", (void *)attach_calloc},
    {"__libc_realloc", (void *)attach_realloc}, {"__libc_memalign", (void *)attach_memalign},
    {"__libc_valloc", (void *)attach_valloc}, {"__libc_pvalloc", (void *)attach_pvalloc},
    {"dlclose", NULL}, {"dlopen", (void *)attach_dlopen_tramp},
};
#define ATTACH_NAMES (int)(sizeof attach_names / sizeof *attach_names)

static got_redirect attach_table[ATTACH_NAMES];
static _Atomic int attach_on;        /* attached now; changed under attach_lock */
static spin_lock attach_lock;        /* patching and detaching, one at a time */
static _Atomic pid_t attach_control; /* the control thread of the last attach */
static int attach_once;              /* the exit and fork handlers are registered */
static unsigned long long attach_adds; /* the loader's count at the last patch */
static uint64_t attach_next_check;   /* when the control thread next looks at the lock */

/* ---- files beside the snapshots ------------------------------------------------ */

/* OUT.suffix holding text, written whole (through OUT.suffix.tmp). */
static void attach_note(const char *suffix, const char *text) {
  char path[OPTIONS_PATH_MAX + 32], tmp[OPTIONS_PATH_MAX + 40];
  if (ag_opt.out[0] == 0 || sys_expand_path(ag_opt.out, sys_getpid(), path, sizeof path - 16) != 0) return;
  strcat(path, suffix);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  size_t n = strlen(text);
  int ok = write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
  if (close(fd) != 0) ok = 0;
  if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

static int attach_fail(int code, const char *why) {
  attach_note(".attach", why);
  return code;
}

/* ---- dlopen ---------------------------------------------------------------------- */

AG_HIDDEN uintptr_t attach_real_dlopen; /* glibc's dlopen, for the trampoline */
AG_HIDDEN uintptr_t attach_dlopen_gadget(uintptr_t caller);
AG_HIDDEN void attach_dlopen_done(void *handle);

/* A ret in the caller's object, where glibc's dlopen returns (and which
 * returns to the trampoline). */
uintptr_t attach_dlopen_gadget(uintptr_t caller) { return got_ret_gadget(caller); }

/* Patch what is not patched yet, unless the agent detached meanwhile (a
 * dlopen returning while the control thread detaches). */
static void attach_patch(void) {
  int was = guard_enter_self(GUARD_AGENT);
  spin_acquire(&attach_lock);
  if (atomic_load(&attach_on)) {
    attach_adds = got_load_count();
    if (got_redirect_all(attach_table, ATTACH_NAMES) < 0) sys_warn("attach: out of memory for the GOT record");
  }
  spin_release(&attach_lock);
  guard_leave_self(was);
}

/* After dlopen returned, on the caller's thread: the objects it loaded. */
void attach_dlopen_done(void *handle) {
  if (atomic_load(&attach_on)) attach_patch();
}

/* On entry [rsp] is the caller's return address R (rsp = S, S % 16 == 8).
 * glibc's dlopen is entered with [rsp] = a ret in R's object and above it
 * the continuation 1:, which calls attach_dlopen_done and returns to R.
 * The CFI describes the frames for the unwinder. */
__asm__(".text\n"
        ".globl attach_dlopen_tramp\n"
        ".hidden attach_dlopen_tramp\n"
        ".type attach_dlopen_tramp, @function\n"
        "attach_dlopen_tramp:\n"
        "  .cfi_startproc\n"
        "  endbr64\n"
        "  sub $24, %rsp\n"
        "  .cfi_adjust_cfa_offset 24\n"
        "  mov %rdi, 0(%rsp)\n"
        "  mov %rsi, 8(%rsp)\n"
        "  mov 24(%rsp), %rdi\n"
        "  call attach_dlopen_gadget\n"
        "  mov 0(%rsp), %rdi\n"
        "  mov 8(%rsp), %rsi\n"
        "  lea 1f(%rip), %rcx\n"
        "  mov %rcx, 16(%rsp)\n"
        "  mov %rax, 8(%rsp)\n"
        "  add $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  jmp *attach_real_dlopen(%rip)\n"
        "1:\n"
        "  .cfi_adjust_cfa_offset -16\n"
        "  push %rax\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  mov %rax, %rdi\n"
        "  call attach_dlopen_done\n"
        "  pop %rax\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size attach_dlopen_tramp, .-attach_dlopen_tramp\n");

/* Is a shadow stack on (a return to an address not called from faults)? */
static int attach_shadow_stack(void) {
  static char status[8192];
  if (sys_read_file("/proc/self/status", status, sizeof status) <= 0) return 0;
  const char *line = strstr(status, "x86_Thread_features:");
  if (line == NULL) return 0;
  const char *end = strchr(line, '\n');
  const char *shstk = strstr(line, "shstk");
  return shstk != NULL && (end == NULL || shstk < end);
}

/* ---- the table ---------------------------------------------------------------------- */

/* Fill attach_table; 0, or an ATTACH_ code after its note. */
static int attach_build_table(void) {
  Dl_info self;
  if (dladdr((void *)&leakscope_agent_attach, &self) == 0 || self.dli_fname == NULL)
    return attach_fail(ATTACH_FAILED, "the agent cannot find its own file");
  void *agent = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (agent == NULL || libc == NULL) return attach_fail(ATTACH_FAILED, "the agent cannot find itself or libc.so.6");
  /* the shims forward to glibc's allocator: the program must use it */
  void *used = dlsym(RTLD_DEFAULT, "malloc"), *glibc = dlsym(libc, "malloc");
  /* (a program that is not PIE may have a canonical PLT entry for it: that
   * jumps through its own JUMP_SLOT, which is patched like any other) */
  if (used != glibc && (uintptr_t)used != got_canonical_plt("malloc")) {
    Dl_info where;
    char why[320];
    snprintf(why, sizeof why, "the program's malloc is not glibc's: it comes from %s",
             dladdr(used, &where) && where.dli_fname ? where.dli_fname : "an unknown object");
    return attach_fail(ATTACH_NOT_GLIBC, why);
  }
#define ATTACH_FN(field)                                                      \
  attach_hooks.field = (__typeof__(attach_hooks.field))dlsym(agent, #field); \
  attach_glibc.field = (__typeof__(attach_glibc.field))dlsym(libc, #field);  \
  if (attach_hooks.field == NULL || attach_glibc.field == NULL) return attach_fail(ATTACH_FAILED, "no " #field " to wrap");
  ATTACH_FN(malloc) ATTACH_FN(free) ATTACH_FN(calloc) ATTACH_FN(realloc) ATTACH_FN(memalign)
  ATTACH_FN(aligned_alloc) ATTACH_FN(posix_memalign) ATTACH_FN(valloc) ATTACH_FN(pvalloc)
#undef ATTACH_FN
  int shadow = attach_shadow_stack();
  for (int i = 0; i < ATTACH_NAMES; i++) {
    const char *name = attach_names[i].name;
    uintptr_t expected = (uintptr_t)dlsym(libc, name);
    uintptr_t ours = (uintptr_t)(attach_names[i].ours ? attach_names[i].ours : dlsym(agent, name + (strncmp(name, "__libc_", 7) ? 0 : 7)));
    if (strcmp(name, "dlopen") == 0) {
      attach_real_dlopen = expected;
      if (shadow) ours = 0;
    }
    /* an entry nobody defines, or that would point back at itself, stays */
    attach_table[i] = (got_redirect){name, expected, expected != 0 && ours != expected ? ours : 0};
  }
  dlerror(); /* the failed lookups (free_sized on older glibc) leave nothing behind */
  if (attach_table[0].replacement == 0) return attach_fail(ATTACH_FAILED, "the agent cannot find its own malloc");
  return 0;
}

/* ---- what a first attach left ------------------------------------------------------- */

typedef struct {
  uintptr_t *ptrs;
  size_t n, cap;
} attach_list;

static void attach_collect_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg) {
  attach_list *l = arg;
  if (l->ptrs == NULL) l->n++; /* counting */
  else if (l->n < l->cap) l->ptrs[l->n++] = ptr;
}

/* A second attach starts empty: the blocks the first one sampled were
 * freed (or not) straight to glibc meanwhile, and glibc may hand their
 * addresses out again; the totals and the stacks' allocation counts start
 * from 0 again.  (Forgetting a sample counts its lifetime so far.) */
static void attach_forget_previous(void) {
  attach_list l = {NULL, 0, 0};
  sampler_foreach(attach_collect_sample, &l);
  if (l.n > 0) {
    size_t bytes = l.n * sizeof *l.ptrs;
    l.cap = l.n;
    l.n = 0;
    if ((l.ptrs = sys_map(bytes)) != NULL) {
      sampler_foreach(attach_collect_sample, &l);
      for (size_t i = 0; i < l.n; i++) sampler_remove(l.ptrs[i]);
      sys_unmap(l.ptrs, bytes);
    }
  }
  threads_restart_totals();
  for (uint32_t id = 1; id < stacktab_limit(); id++) {
    stacktab_entry *e = stacktab_get(id);
    if (e == NULL) continue;
    atomic_store_explicit(&e->alloc_objects, 0, memory_order_relaxed);
    atomic_store_explicit(&e->alloc_bytes, 0, memory_order_relaxed);
  }
}

/* ---- detaching ----------------------------------------------------------------------- */

/* The directory of the supervisor's lock file, into dir; 0, or -1. */
static int attach_lock_dir(char *dir, size_t len) {
  const char *slash = strrchr(ag_opt.attach, '/');
  if (slash == NULL || (size_t)(slash - ag_opt.attach) + 1 > len || slash == ag_opt.attach) return -1;
  memcpy(dir, ag_opt.attach, (size_t)(slash - ag_opt.attach));
  dir[slash - ag_opt.attach] = 0;
  return 0;
}

/* A supervisor that died leaves its private directory: empty it and
 * remove it, as it would have (getdents64: no malloc). */
static void attach_clean_dir(void) {
  char dir[OPTIONS_PATH_MAX];
  if (attach_lock_dir(dir, sizeof dir) != 0) return;
  int fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *e = (void *)(buf + at);
      if (strcmp(e->name, ".") != 0 && strcmp(e->name, "..") != 0) unlinkat(fd, e->name, 0);
      at += e->reclen;
    }
  }
  close(fd);
  rmdir(dir);
}

/* On the control thread: the supervisor's lock is free.  It detaches us
 * (it left DIR/detach first): a last snapshot and the confirmation; or it
 * is gone: nobody reads them, its directory goes. */
static void attach_detach(void) {
  char marker[OPTIONS_PATH_MAX + 8];
  int asked = attach_lock_dir(marker, sizeof marker - 8) == 0 && (strcat(marker, "/detach"), access(marker, F_OK) == 0);
  if (asked) snapwrite("detach", NULL);
  spin_acquire(&attach_lock);
  int was_on = atomic_exchange(&attach_on, 0);
  if (was_on) got_restore();
  spin_release(&attach_lock);
  if (!was_on) return; /* the program exited meanwhile */
  atomic_store(&ag_state.phase, AG_OFF);
  if (!asked) {
    attach_clean_dir();
    return;
  }
  char text[48];
  snprintf(text, sizeof text, "detached %d", (int)sys_gettid());
  attach_note(".detached", text);
}

/* Does a process hold the supervisor's lock?  A file that cannot be
 * opened for another reason than its absence counts as held. */
static int attach_supervisor_alive(void) {
  int fd = sys_open(ag_opt.attach, O_RDONLY | O_NOFOLLOW, 0);
  if (fd < 0) return errno != ENOENT && errno != ENOTDIR;
  int held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd); /* and with it the shared lock, if we got it */
  return held;
}

/* control_tick_hook: once per turn of the control thread. */
static void attach_tick(void) {
  if (!atomic_load(&attach_on)) return;
  static int primed;
  if (!primed) { /* the slow unwinder loads here rather than in the attach's stop */
    primed = 1;
    int was = guard_enter_self(GUARD_AGENT);
    unwind_prime();
    guard_leave_self(was);
  }
  atomic_store(&attach_control, sys_gettid());
  uint64_t now = sys_now_ns();
  if (now >= attach_next_check) {
    attach_next_check = now + ATTACH_CHECK_NS;
    if (!attach_supervisor_alive()) {
      attach_detach();
      return;
    }
  }
  if (got_load_count() != attach_adds || got_retry()) attach_patch();
}

/* The program exits while attached: the exit snapshot (OUT itself). */
static void attach_on_exit(int status, void *arg) {
  if (sys_getpid() != ag_state.pid || !atomic_exchange(&attach_on, 0)) return;
  ag_state.exit_status = status & 0xff;
  snapwrite("exit", NULL);
  atomic_store(&ag_state.phase, AG_DONE);
}

/* A fork child keeps nothing of the attach: it is nobody's target. */
static void attach_fork_prepare(void) {
  guard_enter_self(GUARD_TABLES);
  spin_acquire(&attach_lock);
}
static void attach_fork_parent(void) {
  spin_release(&attach_lock);
  guard_leave_self(GUARD_NONE);
}
static void attach_fork_child(void) {
  if (atomic_exchange(&attach_on, 0)) {
    got_restore();
    atomic_store(&ag_state.phase, AG_OFF);
  }
  atomic_store(&attach_control, 0);
  spin_release(&attach_lock);
  guard_leave_self(GUARD_NONE);
}

/* ---- attaching ------------------------------------------------------------------------ */

int leakscope_agent_attach(const char *options_path) {
  if (got_agent_loaded_at_start()) return ATTACH_PRELOADED;
  if (atomic_load(&attach_on)) return ATTACH_BUSY;
  int phase = state_phase();
  if (phase != AG_UNINIT && phase != AG_OFF) return ATTACH_BUSY;
  /* the last attach's control thread must be gone: it would run on beside the new one */
  pid_t last = atomic_load(&attach_control);
  if (last != 0 && sys_tgkill(last, 0) == 0) return ATTACH_BUSY;
  static char text[OPTIONS_PATH_MAX * 4];
  ssize_t n = options_path ? sys_read_file(options_path, text, sizeof text) : -1;
  if (n <= 0) return ATTACH_NO_OPTIONS;
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ')) text[--n] = 0;
  options_parse(text);
  int problems;
  const char *problem = options_problem(&problems);
  if (problem != NULL) return attach_fail(ATTACH_BAD_OPTIONS, problem);
  if (!options_sample_mode()) return attach_fail(ATTACH_BAD_OPTIONS, "attach needs sample mode");
  if (ag_opt.attach[0] == 0) return attach_fail(ATTACH_BAD_OPTIONS, "no attach lock file given");
  int rc = attach_build_table();
  if (rc != 0) return rc;
  int again = ag_state.tables_ready;
  const char *why = NULL;
  if (agent_start_attached(&why) != 0) {
    if (why == NULL) return ATTACH_BUSY;
    return attach_fail(ATTACH_FAILED, why);
  }
  int was = guard_enter_self(GUARD_AGENT);
  if (again) attach_forget_previous();
  if (!attach_once) {
    attach_once = 1;
    pthread_atfork(attach_fork_prepare, attach_fork_parent, attach_fork_child);
    on_exit(attach_on_exit, NULL);
  }
  control_tick_hook = attach_tick;
  attach_next_check = 0;
  atomic_store(&attach_control, 0);
  atomic_store(&attach_on, 1);
  attach_patch();
  if (got_patched() == 0) {
    atomic_store(&attach_on, 0);
    atomic_store(&ag_state.phase, AG_OFF);
    guard_leave_self(was);
    return attach_fail(ATTACH_NOTHING, "no loaded object calls malloc through its GOT");
  }
  atomic_store(&ag_state.phase, AG_ACTIVE);
  /* live retention snapshots (retain --pid, attach --watch's holders):
   * the threads stop with ptrace alone, the stop signal has no handler here */
  const char *no_live;
  if (ag_opt.control && chunks_check(&no_live) == 0) livescan_enable(1, WORLD_PTRACE_ONLY);
  if (control_start() != 0) {
    spin_acquire(&attach_lock);
    atomic_store(&attach_on, 0);
    got_restore();
    spin_release(&attach_lock);
    atomic_store(&ag_state.phase, AG_OFF);
    guard_leave_self(was);
    return attach_fail(ATTACH_FAILED, "cannot start the control thread");
  }
  guard_leave_self(was);
  return ATTACH_OK;
}
