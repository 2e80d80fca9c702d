/*
 * inject.c: loading the agent into a running process with ptrace (see
 * inject.h), without gdb.
 *
 * The checks read /proc/PID (status, maps, exe) and never stop the target.
 * Then one thread (the main one, unless it cannot take a call) is seized
 * and interrupted, and let run again for a millisecond until it stops at a
 * safe point: in its own code, or blocked in a system call that holds no
 * lock of libc's (read, poll, futex, nanosleep, ...), never inside libc's
 * or ld.so's code otherwise, where it may hold the allocator's or the
 * loader's lock that dlopen needs.  Its registers and its extended state
 * (x87, SSE, AVX: PTRACE_GETREGSET NT_X86_XSTATE) are saved; the strings
 * the calls need go below its stack pointer (past the red zone); each call
 * sets rip to a libc function found in libc's symbol table at libc's load
 * address from /proc/PID/maps, the arguments in rdi and rsi, and a return
 * address of 0, so that the function's return faults (SIGSEGV at rip 0),
 * which stops the thread for us before any handler of the program's runs
 * (the signal is then discarded).  orig_rax is -1 during the calls, so no
 * interrupted system call is restarted into them; at the end the saved
 * registers come back as they were, and an interrupted call is restarted
 * by the kernel as after any stop (the few that return EINTR to a stopped
 * thread even without a handler, such as epoll_wait, are restarted by
 * rewinding rip to their syscall instruction).  Signals that arrived
 * meanwhile are delivered when the thread is let go.
 *
 * The calls: dlopen(agent, RTLD_NOW | RTLD_LOCAL) (dlerror() when it
 * fails), dlsym(handle, "leakscope_agent_attach"), then that function with
 * the options file.  The one stop lasts from the interrupt to the detach.
 */
#include "inject.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"

#define INJECT_TRIES 2000          /* stops looking for a safe point, one a millisecond */
#define INJECT_CALL_TIMEOUT_MS 20000
#define INJECT_STACK_NEED (64 * 1024) /* stack the calls may use below the thread's */
#define INJECT_XSTATE_MAX 32768
#define INJECT_MAX_PENDING 8

static uint64_t inject_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- /proc ------------------------------------------------------------------ */

typedef struct {
  char state;
  int tracer;
  uid_t uid;
  uint64_t sig_blocked, sig_ignored;
  int threads;
} inject_status;

/* /proc/PID/status or /proc/PID/task/TID/status; 0, or -1 with errno. */
static int inject_read_status(pid_t pid, pid_t tid, inject_status *s) {
  char path[96], line[256];
  if (tid > 0) snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid, (int)tid);
  else snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  memset(s, 0, sizeof *s);
  unsigned long long v;
  unsigned u;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "State: %c", &s->state) == 1) continue;
    if (sscanf(line, "TracerPid: %d", &s->tracer) == 1) continue;
    if (sscanf(line, "Uid: %u", &u) == 1) s->uid = u;
    else if (sscanf(line, "SigBlk: %llx", &v) == 1) s->sig_blocked = v;
    else if (sscanf(line, "SigIgn: %llx", &v) == 1) s->sig_ignored = v;
    else if (sscanf(line, "Threads: %d", &s->threads) == 1) continue;
  }
  fclose(f);
  return 0;
}

static int inject_sig_in(uint64_t mask, int sig) { return (mask >> (sig - 1)) & 1; }

/* One mapping of /proc/PID/maps. */
typedef struct {
  uintptr_t lo, hi, offset;
  char perms[5];
  char path[PATH_MAX];
} inject_map;

/* Calls fn for each mapping until it returns non-zero; -1 if unreadable. */
static int inject_foreach_map(pid_t pid, int (*fn)(const inject_map *m, void *arg), void *arg) {
  char path[64], line[PATH_MAX + 128];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    inject_map m;
    unsigned long lo, hi, off;
    int consumed = 0;
    m.path[0] = 0;
    if (sscanf(line, "%lx-%lx %4s %lx %*s %*s%n", &lo, &hi, m.perms, &off, &consumed) < 4) continue;
    const char *p = line + consumed;
    while (*p == ' ') p++;
    snprintf(m.path, sizeof m.path, "%s", p);
    m.path[strcspn(m.path, "\n")] = 0;
    m.lo = lo;
    m.hi = hi;
    m.offset = off;
    if (fn(&m, arg)) break;
  }
  fclose(f);
  return 0;
}

static const char *inject_base(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int inject_is_libc(const char *path) {
  const char *b = inject_base(path);
  return strncmp(b, "libc.so.6", 9) == 0 || (strncmp(b, "libc-2.", 7) == 0 && strstr(b, ".so") != NULL);
}
static int inject_is_ldso(const char *path) { return strncmp(inject_base(path), "ld-linux", 8) == 0; }
static int inject_is_agent(const char *path) { return strncmp(inject_base(path), "libleakscope.so", 15) == 0; }

/* A path from maps without its " (deleted)"; 1 if it had one. */
static int inject_strip_deleted(char *path) {
  size_t n = strlen(path), k = strlen(" (deleted)");
  if (n > k && strcmp(path + n - k, " (deleted)") == 0) {
    path[n - k] = 0;
    return 1;
  }
  return 0;
}

typedef struct {
  inject_target *t;
  int musl;
} inject_scan;

static int inject_scan_map(const inject_map *m, void *arg) {
  inject_scan *s = arg;
  if (m->path[0] != '/') return 0;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", m->path);
  inject_strip_deleted(path); /* a file rebuilt since: dlopen matches the name */
  if (inject_is_libc(path)) {
    if (m->offset == 0 && s->t->libc[0] == 0) {
      snprintf(s->t->libc, sizeof s->t->libc, "%s", path);
      snprintf(s->t->libc_map, sizeof s->t->libc_map, "%lx-%lx", (unsigned long)m->lo, (unsigned long)m->hi);
      s->t->libc_bias = m->lo;
    }
  } else if (inject_is_ldso(path) && s->t->ldso[0] == 0) {
    snprintf(s->t->ldso, sizeof s->t->ldso, "%s", path);
  } else if (inject_is_agent(path) && s->t->agent[0] == 0) {
    snprintf(s->t->agent, sizeof s->t->agent, "%s", path);
  } else if (strncmp(inject_base(path), "ld-musl", 7) == 0 || strncmp(inject_base(path), "libc.musl", 9) == 0) {
    s->musl = 1;
  }
  return 0;
}

static int inject_exe_class(pid_t pid, int *elf64_x86) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  Elf64_Ehdr h;
  ssize_t n = read(fd, &h, sizeof h);
  close(fd);
  if (n < (ssize_t)EI_NIDENT + 4 || memcmp(h.e_ident, ELFMAG, SELFMAG) != 0) {
    *elf64_x86 = 0;
    return 0;
  }
  *elf64_x86 = h.e_ident[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof h && h.e_machine == EM_X86_64;
  return 0;
}

static void inject_seize_error(const inject_target *t, int e, char *err, size_t errlen);

int inject_check(pid_t pid, inject_target *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  t->pid = pid;
  if (pid == getpid()) {
    snprintf(err, errlen, "cannot attach to leakscope itself");
    return -1;
  }
  inject_status st;
  if (inject_read_status(pid, 0, &st) != 0) {
    snprintf(err, errlen, errno == ENOENT ? "no process %d" : "cannot read /proc/%d/status: %s", (int)pid,
             strerror(errno));
    return -1;
  }
  t->uid = st.uid;
  if (st.state == 'Z' || st.state == 'X') {
    snprintf(err, errlen, "process %d has exited (it is a zombie)", (int)pid);
    return -1;
  }
  if (st.tracer != 0) {
    char comm[64] = "?", path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", st.tracer);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
      if (fgets(comm, sizeof comm, f) != NULL) comm[strcspn(comm, "\n")] = 0;
      fclose(f);
    }
    snprintf(err, errlen, "process %d is already traced by process %d (%s): a debugger, strace or another attach",
             (int)pid, st.tracer, comm);
    return -1;
  }
  if (st.state == 'T' || st.state == 't') {
    snprintf(err, errlen, "process %d is stopped: let it continue first (kill -CONT %d)", (int)pid, (int)pid);
    return -1;
  }
  if (geteuid() != 0 && st.uid != getuid()) {
    struct passwd *pw = getpwuid(st.uid);
    snprintf(err, errlen, "process %d belongs to user %s (uid %u): attach as that user, or as root", (int)pid,
             pw ? pw->pw_name : "?", (unsigned)st.uid);
    return -1;
  }
  int x86_64 = 0;
  if (inject_exe_class(pid, &x86_64) != 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    struct stat sb;
    int e = errno;
    if (e == ENOENT && lstat(path, &sb) != 0) snprintf(err, errlen, "process %d is a kernel thread", (int)pid);
    else if (e == EACCES || e == EPERM) inject_seize_error(t, EPERM, err, errlen); /* what ptrace would say */
    else snprintf(err, errlen, "cannot read the program of process %d: %s", (int)pid, strerror(e));
    return -1;
  }
  if (!x86_64) {
    snprintf(err, errlen, "process %d is not a 64-bit x86 program (the agent is x86-64 only)", (int)pid);
    return -1;
  }
  inject_scan scan = {t, 0};
  if (inject_foreach_map(pid, inject_scan_map, &scan) != 0) {
    if (errno == EACCES || errno == EPERM) inject_seize_error(t, EPERM, err, errlen);
    else snprintf(err, errlen, "cannot read /proc/%d/maps: %s", (int)pid, strerror(errno));
    return -1;
  }
  if (t->libc[0] == 0) {
    if (scan.musl)
      snprintf(err, errlen, "process %d uses musl libc: attach needs a program linked with glibc", (int)pid);
    else
      snprintf(err, errlen, "process %d is statically linked: attach needs a dynamically linked glibc program",
               (int)pid);
    return -1;
  }
  return 0;
}

/* ---- libc's symbols ------------------------------------------------------------ */

/* The values of names in the dynamic symbol table of the ELF file at path
 * (the default version of each), and its first PT_LOAD's page; 0 if all
 * are found, else -1 with err. */
static int inject_elf_symbols(const char *path, const char *const *names, uintptr_t *values, int n,
                              uintptr_t *first_vaddr, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  elf_version(EV_CURRENT);
  Elf *e = elf_begin(fd, ELF_C_READ, NULL);
  int found = 0;
  for (int i = 0; i < n; i++) values[i] = 0;
  *first_vaddr = 0;
  size_t nph = 0;
  if (e != NULL && elf_getphdrnum(e, &nph) == 0) {
    for (size_t i = 0; i < nph; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(e, (int)i, &ph) != NULL && ph.p_type == PT_LOAD) {
        *first_vaddr = ph.p_vaddr & ~(uintptr_t)0xfff;
        break;
      }
    }
  }
  Elf_Scn *scn = NULL, *dynsym = NULL, *versym = NULL;
  while (e != NULL && (scn = elf_nextscn(e, scn)) != NULL) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == NULL) continue;
    if (sh.sh_type == SHT_DYNSYM) dynsym = scn;
    if (sh.sh_type == SHT_GNU_versym) versym = scn;
  }
  if (dynsym != NULL) {
    GElf_Shdr sh;
    gelf_getshdr(dynsym, &sh);
    Elf_Data *data = elf_getdata(dynsym, NULL);
    Elf_Data *vers = versym ? elf_getdata(versym, NULL) : NULL;
    size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (size_t i = 0; data != NULL && i < count; i++) {
      GElf_Sym sym;
      if (gelf_getsym(data, (int)i, &sym) == NULL || sym.st_value == 0 || sym.st_shndx == SHN_UNDEF) continue;
      const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
      if (name == NULL) continue;
      int hidden = 0; /* a version that is not the default (dlopen@GLIBC_2.2.5 beside @@GLIBC_2.34) */
      if (vers != NULL && (i + 1) * sizeof(GElf_Versym) <= vers->d_size)
        hidden = (((GElf_Versym *)vers->d_buf)[i] & 0x8000) != 0;
      for (int k = 0; k < n; k++) {
        if (strcmp(name, names[k]) != 0 || (values[k] != 0 && hidden)) continue;
        if (values[k] == 0) found++;
        values[k] = (uintptr_t)sym.st_value;
      }
    }
  }
  if (e != NULL) elf_end(e);
  close(fd);
  if (found == n) return 0;
  for (int k = 0; k < n; k++)
    if (values[k] == 0) {
      snprintf(err, errlen, "%s has no %s", path, names[k]);
      break;
    }
  return -1;
}

/* ---- the traced thread ------------------------------------------------------------ */

typedef struct {
  const inject_target *t;
  pid_t tid;
  int mem;                          /* /proc/PID/mem */
  struct user_regs_struct saved;
  unsigned char *xstate;
  struct iovec xiov;
  int have_xstate;
  struct user_fpregs_struct fp;
  int have_fp;
  int pending[INJECT_MAX_PENDING];  /* signals to deliver when it goes */
  int npending;
  uint64_t stopped_ns, stop_began;
  uintptr_t lib_lo[3], lib_hi[3];   /* libc, ld.so, the agent: code that may hold their locks */
} inject_ctx;

static void inject_pend(inject_ctx *c, int sig) {
  for (int i = 0; i < c->npending; i++)
    if (c->pending[i] == sig) return;
  if (c->npending < INJECT_MAX_PENDING) c->pending[c->npending++] = sig;
}

/* Wait for the thread to change state within timeout_ms; 0 with its
 * status, or -1 on timeout (or error). */
static int inject_wait(inject_ctx *c, int *status, int timeout_ms) {
  uint64_t end = inject_now_ns() + (uint64_t)timeout_ms * 1000000u;
  long nap = 20000;
  for (;;) {
    pid_t w = waitpid(c->tid, status, __WALL | WNOHANG);
    if (w == c->tid) return 0;
    if (w < 0 && errno != EINTR) return -1;
    if (inject_now_ns() >= end) return -1;
    struct timespec ts = {0, nap};
    nanosleep(&ts, NULL);
    if (nap < 1000000) nap *= 2;
  }
}

static int inject_exited(int status) { return WIFEXITED(status) || WIFSIGNALED(status); }

/* Stop the running (seized) thread: 0 when it is stopped where we can use
 * its registers, 1 when it exited, -1 on an error (err). */
static int inject_stop(inject_ctx *c, char *err, size_t errlen) {
  c->stop_began = inject_now_ns();
  if (ptrace(PTRACE_INTERRUPT, c->tid, 0, 0) != 0) {
    snprintf(err, errlen, "cannot interrupt process %d: %s", (int)c->t->pid, strerror(errno));
    return -1;
  }
  for (;;) {
    int status;
    if (inject_wait(c, &status, 5000) != 0) {
      snprintf(err, errlen, "process %d did not stop", (int)c->t->pid);
      return -1;
    }
    if (inject_exited(status)) return 1;
    if (!WIFSTOPPED(status)) continue;
    int event = status >> 16, sig = WSTOPSIG(status);
    if (event == PTRACE_EVENT_STOP && sig != SIGTRAP) {
      snprintf(err, errlen, "process %d was stopped by signal %d meanwhile", (int)c->t->pid, sig);
      return -1;
    }
    if (event == 0) inject_pend(c, sig); /* a signal arrived: delivered when we let it go */
    return 0;
  }
}

/* Let the stopped thread run on (delivering what arrived meanwhile). */
static int inject_resume(inject_ctx *c) {
  int sig = c->npending > 0 ? c->pending[0] : 0;
  if (c->npending > 0) memmove(c->pending, c->pending + 1, sizeof c->pending[0] * (size_t)--c->npending);
  c->stopped_ns += inject_now_ns() - c->stop_began;
  return (int)ptrace(PTRACE_CONT, c->tid, 0, (void *)(long)sig);
}

/* System calls a thread may be blocked in while holding none of libc's
 * locks (the thread only waits). */
static int inject_blocking_syscall(long nr) {
  static const long ok[] = {
      SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_readv, SYS_writev, SYS_poll, SYS_select,
      SYS_pselect6, SYS_ppoll, SYS_nanosleep, SYS_clock_nanosleep, SYS_pause, SYS_rt_sigsuspend,
      SYS_rt_sigtimedwait, SYS_accept, SYS_accept4, SYS_connect, SYS_recvfrom, SYS_recvmsg, SYS_recvmmsg,
      SYS_sendto, SYS_sendmsg, SYS_sendmmsg, SYS_wait4, SYS_waitid, SYS_futex, SYS_epoll_wait,
      SYS_epoll_pwait, SYS_msgrcv, SYS_msgsnd, SYS_semop, SYS_semtimedop, SYS_io_getevents,
      SYS_sched_yield, SYS_flock, 441 /* epoll_pwait2 */};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (ok[i] == nr) return 1;
  return 0;
}

/* The calls that return EINTR to a thread that was stopped, handler or
 * not (signal(7)): restarted by hand when we let it go. */
static int inject_eintr_syscall(long nr) {
  return nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == 441 || nr == SYS_semop || nr == SYS_semtimedop ||
         nr == SYS_rt_sigtimedwait;
}

typedef struct {
  uintptr_t sp;
  uintptr_t lo, hi;
  int stack;
} inject_stack_map;

static int inject_find_sp(const inject_map *m, void *arg) {
  inject_stack_map *s = arg;
  if (s->sp < m->lo || s->sp >= m->hi) return 0;
  s->lo = m->lo;
  s->hi = m->hi;
  s->stack = strcmp(m->path, "[stack]") == 0;
  return 1;
}

/* Is the stopped thread at a point where it can take our calls? */
static int inject_safe_point(inject_ctx *c, const struct user_regs_struct *r) {
  int in_lib = 0;
  for (int i = 0; i < 3; i++)
    if (r->rip >= c->lib_lo[i] && r->rip < c->lib_hi[i]) in_lib = 1;
  long nr = (long)r->orig_rax;
  if (in_lib && (nr < 0 || !inject_blocking_syscall(nr))) return 0;
  /* the calls need stack below its own: not a small alternate signal stack */
  inject_stack_map s = {r->rsp, 0, 0, 0};
  if (inject_foreach_map(c->t->pid, inject_find_sp, &s) != 0 || s.hi == 0) return 0;
  return s.stack || r->rsp - s.lo >= INJECT_STACK_NEED + 4096;
}

static int inject_lib_range(const inject_map *m, void *arg) {
  inject_ctx *c = arg;
  if (m->perms[2] != 'x' || m->path[0] != '/') return 0;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", m->path);
  inject_strip_deleted(path);
  int i = inject_is_libc(path) ? 0 : inject_is_ldso(path) ? 1 : inject_is_agent(path) ? 2 : -1;
  if (i < 0) return 0;
  if (c->lib_hi[i] == 0 || m->lo < c->lib_lo[i]) c->lib_lo[i] = m->lo;
  if (m->hi > c->lib_hi[i]) c->lib_hi[i] = m->hi;
  return 0;
}

/* ---- the target's memory ------------------------------------------------------------ */

static int inject_write(inject_ctx *c, uintptr_t addr, const void *data, size_t len) {
  return pwrite(c->mem, data, len, (off_t)addr) == (ssize_t)len ? 0 : -1;
}

static int inject_read(inject_ctx *c, uintptr_t addr, void *data, size_t len) {
  return pread(c->mem, data, len, (off_t)addr) == (ssize_t)len ? 0 : -1;
}

/* Run fn(a1, a2) in the stopped thread with its stack pointer at sp (a
 * return address of 0 is written there); 0 with its result, -1 (err) when
 * it cannot be started, or it faulted or did not return (then the thread
 * is stopped again), 1 when the process exited. */
static int inject_call(inject_ctx *c, uintptr_t fn, uintptr_t a1, uintptr_t a2, uintptr_t sp, uintptr_t *result,
                       char *err, size_t errlen) {
  struct user_regs_struct r = c->saved;
  uintptr_t zero = 0;
  if (inject_write(c, sp, &zero, sizeof zero) != 0) {
    snprintf(err, errlen, "cannot write to the stack of process %d: %s", (int)c->t->pid, strerror(errno));
    return -1;
  }
  r.rip = fn;
  r.rdi = a1;
  r.rsi = a2;
  r.rax = 0;
  r.rsp = sp;
  r.orig_rax = (unsigned long long)-1; /* no system call to restart into the call */
  r.eflags &= ~(0x400ull | 0x100ull);   /* DF clear as the ABI wants, no single step */
  if (ptrace(PTRACE_SETREGS, c->tid, 0, &r) != 0 || ptrace(PTRACE_CONT, c->tid, 0, 0) != 0) {
    snprintf(err, errlen, "cannot start a call in process %d: %s", (int)c->t->pid, strerror(errno));
    return -1;
  }
  uint64_t end = inject_now_ns() + (uint64_t)INJECT_CALL_TIMEOUT_MS * 1000000u;
  for (;;) {
    int status;
    uint64_t now = inject_now_ns();
    if (now >= end || inject_wait(c, &status, (int)((end - now) / 1000000u) + 1) != 0) {
      ptrace(PTRACE_INTERRUPT, c->tid, 0, 0);
      inject_wait(c, &status, 5000);
      snprintf(err, errlen, "the call in process %d did not return within %d s (a lock held?); its thread "
               "was put back where it was", (int)c->t->pid, INJECT_CALL_TIMEOUT_MS / 1000);
      return -1;
    }
    if (inject_exited(status)) return 1;
    if (!WIFSTOPPED(status)) continue;
    int event = status >> 16, sig = WSTOPSIG(status);
    if (event == 0 && sig == SIGSEGV) {
      struct user_regs_struct now_regs;
      if (ptrace(PTRACE_GETREGS, c->tid, 0, &now_regs) != 0) {
        snprintf(err, errlen, "cannot read the registers of process %d: %s", (int)c->t->pid, strerror(errno));
        return -1;
      }
      if (now_regs.rip == 0) {
        *result = (uintptr_t)now_regs.rax;
        return 0;
      }
      snprintf(err, errlen, "process %d faulted at 0x%llx during the attach; its thread was put back where it was",
               (int)c->t->pid, (unsigned long long)now_regs.rip);
      return -1;
    }
    if (event == 0) inject_pend(c, sig);                                   /* delivered later */
    else if (event == PTRACE_EVENT_STOP && sig != SIGTRAP) inject_pend(c, SIGSTOP); /* stopped again later */
    ptrace(PTRACE_CONT, c->tid, 0, 0);
  }
}

/* The thread goes on exactly where it was; the signals that arrived are delivered. */
static void inject_let_go(inject_ctx *c) {
  struct user_regs_struct r = c->saved;
  long nr = (long)r.orig_rax;
  if (nr >= 0 && (long)r.rax == -EINTR && inject_eintr_syscall(nr)) {
    unsigned char insn[2];
    if (inject_read(c, r.rip - 2, insn, 2) == 0 && insn[0] == 0x0f && insn[1] == 0x05) {
      r.rax = r.orig_rax; /* the call again, as if it had never been interrupted */
      r.rip -= 2;
    }
  }
  ptrace(PTRACE_SETREGS, c->tid, 0, &r);
  if (c->have_xstate) ptrace(PTRACE_SETREGSET, c->tid, (void *)NT_X86_XSTATE, &c->xiov);
  else if (c->have_fp) ptrace(PTRACE_SETFPREGS, c->tid, 0, &c->fp);
  int first = c->npending > 0 ? c->pending[0] : 0;
  c->stopped_ns += inject_now_ns() - c->stop_began;
  ptrace(PTRACE_DETACH, c->tid, 0, (void *)(long)first);
  for (int i = 1; i < c->npending; i++) syscall(SYS_tgkill, c->t->pid, c->tid, c->pending[i]);
}

/* ---- choosing the thread ------------------------------------------------------------- */

/* A thread that can take the calls: it must not block SIGSEGV (the signal
 * that ends each call: the kernel would reset the program's handler of a
 * blocked fault).  The main thread if it can. */
static pid_t inject_choose_thread(const inject_target *t, char *err, size_t errlen) {
  inject_status st;
  if (inject_read_status(t->pid, 0, &st) == 0 && inject_sig_in(st.sig_ignored, SIGSEGV)) {
    snprintf(err, errlen, "process %d ignores SIGSEGV, which attach needs to end its calls", (int)t->pid);
    return -1;
  }
  if (inject_read_status(t->pid, t->pid, &st) == 0 && st.state != 'Z' && !inject_sig_in(st.sig_blocked, SIGSEGV))
    return t->pid;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)t->pid);
  DIR *d = opendir(path);
  pid_t found = -1;
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    pid_t tid = (pid_t)atoi(e->d_name);
    if (tid <= 0 || inject_read_status(t->pid, tid, &st) != 0) continue;
    if (st.state != 'Z' && st.state != 'X' && !inject_sig_in(st.sig_blocked, SIGSEGV)) {
      found = tid;
      break;
    }
  }
  if (d != NULL) closedir(d);
  if (found < 0) snprintf(err, errlen, "every thread of process %d blocks SIGSEGV, which attach needs", (int)t->pid);
  return found;
}

/* Why PTRACE_SEIZE failed, in one line. */
static void inject_seize_error(const inject_target *t, int e, char *err, size_t errlen) {
  if (e == ESRCH) {
    snprintf(err, errlen, "process %d has exited", (int)t->pid);
    return;
  }
  if (e != EPERM) {
    snprintf(err, errlen, "cannot trace process %d: %s", (int)t->pid, strerror(e));
    return;
  }
  int scope = -1;
  FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
  if (f != NULL) {
    if (fscanf(f, "%d", &scope) != 1) scope = -1;
    fclose(f);
  }
  inject_status st;
  if (inject_read_status(t->pid, 0, &st) == 0 && st.tracer != 0)
    snprintf(err, errlen, "process %d is already traced by process %d", (int)t->pid, st.tracer);
  else if (scope == 3)
    snprintf(err, errlen, "cannot trace process %d: ptrace is disabled (kernel.yama.ptrace_scope = 3)", (int)t->pid);
  else if (scope == 2 && geteuid() != 0)
    snprintf(err, errlen, "cannot trace process %d: kernel.yama.ptrace_scope = 2 lets only root (CAP_SYS_PTRACE) "
             "trace", (int)t->pid);
  else if (scope == 1 && geteuid() != 0)
    snprintf(err, errlen, "cannot trace process %d: kernel.yama.ptrace_scope = 1 lets only its ancestors trace it; "
             "attach as root, or set it to 0", (int)t->pid);
  else
    snprintf(err, errlen, "cannot trace process %d: operation not permitted (it is another user's or not "
             "dumpable, or ptrace needs CAP_SYS_PTRACE here: a container, or seccomp forbids it)", (int)t->pid);
}

/* ---- the whole attach ----------------------------------------------------------------- */

/* A string below the stack pointer; its address, moving *below down. */
static uintptr_t inject_push_string(inject_ctx *c, uintptr_t *below, const char *s) {
  size_t len = strlen(s) + 1;
  uintptr_t at = (*below - len) & ~(uintptr_t)15;
  if (inject_write(c, at, s, len) != 0) return 0;
  *below = at;
  return at;
}

int inject_agent(const inject_target *t, const char *agent_path, const char *options_path, int *answer,
                 uint64_t *stopped_ns, char *err, size_t errlen) {
  *stopped_ns = 0;
  /* libc's functions, at libc's load address in the target */
  static const char *const names[] = {"dlopen", "dlsym", "dlerror"};
  uintptr_t fn[3], first_vaddr;
  char libc_file[PATH_MAX + 64];
  snprintf(libc_file, sizeof libc_file, "/proc/%d/root%s", (int)t->pid, t->libc);
  if (inject_elf_symbols(libc_file, names, fn, 3, &first_vaddr, err, errlen) != 0) {
    /* a libc upgraded under the running program: its mapping still reads it */
    snprintf(libc_file, sizeof libc_file, "/proc/%d/map_files/%s", (int)t->pid, t->libc_map);
    if (inject_elf_symbols(libc_file, names, fn, 3, &first_vaddr, err, errlen) != 0) return -1;
  }
  for (int i = 0; i < 3; i++) fn[i] += t->libc_bias - first_vaddr;
  const char *agent = t->agent[0] ? t->agent : agent_path;
  if (!t->agent[0]) { /* the target must see the same file at that path */
    char there[PATH_MAX + 64];
    struct stat here_st, there_st;
    snprintf(there, sizeof there, "/proc/%d/root%s", (int)t->pid, agent_path);
    if (stat(agent_path, &here_st) != 0 || stat(there, &there_st) != 0 || here_st.st_ino != there_st.st_ino ||
        here_st.st_dev != there_st.st_dev) {
      snprintf(err, errlen, "process %d does not see %s (another mount namespace: a container?)", (int)t->pid,
               agent_path);
      return -1;
    }
  }

  inject_ctx c;
  memset(&c, 0, sizeof c);
  c.t = t;
  c.mem = -1;
  inject_foreach_map(t->pid, inject_lib_range, &c);
  if ((c.tid = inject_choose_thread(t, err, errlen)) < 0) return -1;
  char mem_path[64];
  snprintf(mem_path, sizeof mem_path, "/proc/%d/mem", (int)t->pid);
  if (ptrace(PTRACE_SEIZE, c.tid, 0, 0) != 0) {
    inject_seize_error(t, errno, err, errlen);
    return -1;
  }
  int rc = -1;
  c.mem = open(mem_path, O_RDWR | O_CLOEXEC);
  c.xstate = calloc(1, INJECT_XSTATE_MAX);
  if (c.mem < 0 || c.xstate == NULL) {
    snprintf(err, errlen, "cannot open %s: %s", mem_path, strerror(errno));
    ptrace(PTRACE_DETACH, c.tid, 0, 0); /* still running: it was never stopped */
    goto out;
  }
  /* a safe point: stop, look, let it run a millisecond, again */
  int stopped = 0;
  for (int tries = 0; tries < INJECT_TRIES; tries++) {
    int s = inject_stop(&c, err, errlen);
    if (s == 1) {
      snprintf(err, errlen, "process %d exited during the attach", (int)t->pid);
      goto out;
    }
    if (s != 0) {
      ptrace(PTRACE_DETACH, c.tid, 0, 0);
      goto out;
    }
    if (ptrace(PTRACE_GETREGS, c.tid, 0, &c.saved) != 0) {
      snprintf(err, errlen, "cannot read the registers of process %d: %s", (int)t->pid, strerror(errno));
      inject_let_go(&c);
      goto out;
    }
    if (inject_safe_point(&c, &c.saved)) {
      stopped = 1;
      break;
    }
    inject_resume(&c);
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  if (!stopped) {
    snprintf(err, errlen, "process %d never stopped outside libc in %d tries (busy in its allocator or loader?); "
             "try again", (int)t->pid, INJECT_TRIES);
    ptrace(PTRACE_INTERRUPT, c.tid, 0, 0);
    int status;
    inject_wait(&c, &status, 1000);
    ptrace(PTRACE_DETACH, c.tid, 0, 0);
    goto out;
  }
  c.xiov.iov_base = c.xstate;
  c.xiov.iov_len = INJECT_XSTATE_MAX;
  c.have_xstate = ptrace(PTRACE_GETREGSET, c.tid, (void *)NT_X86_XSTATE, &c.xiov) == 0;
  if (!c.have_xstate) c.have_fp = ptrace(PTRACE_GETFPREGS, c.tid, 0, &c.fp) == 0;

  /* below the red zone: the strings, then the calls' frame */
  uintptr_t below = (c.saved.rsp - 256) & ~(uintptr_t)15;
  uintptr_t s_agent = inject_push_string(&c, &below, agent);
  uintptr_t s_entry = inject_push_string(&c, &below, ATTACH_ENTRY);
  uintptr_t s_options = inject_push_string(&c, &below, options_path);
  uintptr_t sp = ((below - 64) & ~(uintptr_t)15) - 8; /* as after a call: rsp + 8 is 16-aligned */
  uintptr_t handle = 0, entry = 0, result = 0;
  int s;
  if (s_agent == 0 || s_entry == 0 || s_options == 0) {
    snprintf(err, errlen, "cannot write to the stack of process %d: %s", (int)t->pid, strerror(errno));
    inject_let_go(&c);
    goto out;
  }
  s = inject_call(&c, fn[0], s_agent, 2 /* RTLD_NOW | RTLD_LOCAL */, sp, &handle, err, errlen);
  if (s == 0 && handle == 0) {
    uintptr_t msg = 0;
    char text[256] = "";
    if (inject_call(&c, fn[2], 0, 0, sp, &msg, err, errlen) == 0 && msg != 0 &&
        inject_read(&c, msg, text, sizeof text - 1) != 0)
      text[0] = 0;
    text[sizeof text - 1] = 0;
    snprintf(err, errlen, "process %d cannot load %s: %s", (int)t->pid, agent, text[0] ? text : "dlopen failed");
    s = -1;
  }
  if (s == 0) {
    s = inject_call(&c, fn[1], handle, s_entry, sp, &entry, err, errlen);
    if (s == 0 && entry == 0) {
      snprintf(err, errlen, "the agent in process %d (%s) has no %s: another version of leakscope's?", (int)t->pid,
               agent, ATTACH_ENTRY);
      s = -1;
    }
  }
  if (s == 0) s = inject_call(&c, entry, s_options, 0, sp, &result, err, errlen);
  if (s == 1) {
    snprintf(err, errlen, "process %d exited during the attach", (int)t->pid);
    goto out;
  }
  inject_let_go(&c);
  if (s == 0) {
    *answer = (int)(int32_t)result;
    rc = 0;
  }
out:
  *stopped_ns = c.stopped_ns;
  if (c.mem >= 0) close(c.mem);
  free(c.xstate);
  return rc;
}
