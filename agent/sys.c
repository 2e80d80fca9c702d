/*
 * sys.c: the agent's door to the operating system (see sys.h).  The list
 * of the agent's own mappings is a fixed array under a spinlock: it is
 * changed only when a table grows.
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "spin.h"

#define SYS_MAX_MAPS 4096
#define SYS_PAGE 4096 /* x86-64's page: mmap's granularity */

static sys_range sys_maps[SYS_MAX_MAPS];
static int sys_nmaps;
static spin_lock sys_maps_lock;

void *sys_map(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return NULL;
  spin_acquire(&sys_maps_lock);
  if (sys_nmaps < SYS_MAX_MAPS) {
    sys_maps[sys_nmaps].start = (uintptr_t)p;
    /* the whole last page is the agent's: the kernel may merge the next
     * mapping with it, and the program's part starts at a page */
    sys_maps[sys_nmaps].end = (uintptr_t)p + ((size + SYS_PAGE - 1) & ~(size_t)(SYS_PAGE - 1));
    sys_nmaps++;
  }
  spin_release(&sys_maps_lock);
  return p;
}

void sys_unmap(void *addr, size_t size) {
  spin_acquire(&sys_maps_lock);
  for (int i = 0; i < sys_nmaps; i++) {
    if (sys_maps[i].start == (uintptr_t)addr) {
      sys_maps[i] = sys_maps[--sys_nmaps];
      break;
    }
  }
  spin_release(&sys_maps_lock);
  munmap(addr, size);
}

int sys_is_ours(uintptr_t start, uintptr_t end) {
  int ours = 0;
  spin_acquire(&sys_maps_lock);
  for (int i = 0; i < sys_nmaps && !ours; i++)
    ours = start < sys_maps[i].end && sys_maps[i].start < end;
  spin_release(&sys_maps_lock);
  return ours;
}

int sys_ours(sys_range *out, int max) {
  spin_acquire(&sys_maps_lock);
  int n = sys_nmaps < max ? sys_nmaps : max;
  memcpy(out, sys_maps, (size_t)n * sizeof *out);
  spin_release(&sys_maps_lock);
  for (int i = 1; i < n; i++) { /* insertion sort: a few dozen ranges */
    sys_range r = out[i];
    int j = i;
    for (; j > 0 && out[j - 1].start > r.start; j--) out[j] = out[j - 1];
    out[j] = r;
  }
  return n;
}

uint64_t sys_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sys_realtime_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

pid_t sys_getpid(void) { return (pid_t)syscall(SYS_getpid); }
pid_t sys_gettid(void) { return (pid_t)syscall(SYS_gettid); }

int sys_tgkill(pid_t tid, int sig) {
  return syscall(SYS_tgkill, sys_getpid(), tid, sig) == 0 ? 0 : -1;
}

/* The kernel's signal set: bit sig - 1 for each signal. */
#define SYS_SIGBIT(sig) (UINT64_C(1) << ((sig) - 1))
#define SYS_SYNCHRONOUS_SIGNALS                                                                   \
  (SYS_SIGBIT(SIGSEGV) | SYS_SIGBIT(SIGBUS) | SYS_SIGBIT(SIGFPE) | SYS_SIGBIT(SIGILL) |           \
   SYS_SIGBIT(SIGTRAP) | SYS_SIGBIT(SIGSYS))
/* No mask holds SIGKILL (the kernel drops it): this one says the block failed. */
#define SYS_NOTHING_BLOCKED UINT64_MAX

uint64_t sys_block_async_signals(void) {
  int saved = errno;
  uint64_t block = ~SYS_SYNCHRONOUS_SIGNALS, was = 0;
  if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, &was, sizeof block) != 0) was = SYS_NOTHING_BLOCKED;
  errno = saved;
  return was;
}

void sys_unblock_signals(uint64_t was) {
  if (was == SYS_NOTHING_BLOCKED) return;
  int saved = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &was, NULL, sizeof was);
  errno = saved;
}

static void sys_write_all(int fd, const char *buf, size_t n, int *failed) {
  while (n > 0 && !*failed) {
    ssize_t k = write(fd, buf, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      *failed = 1;
      return;
    }
    buf += k;
    n -= (size_t)k;
  }
}

#define SYS_WARNING_MAX 200
static char sys_warnings[SYS_WARNINGS_KEPT][SYS_WARNING_MAX];
static _Atomic int sys_nwarnings;

const char *sys_warning(int i) {
  int n = atomic_load(&sys_nwarnings);
  return i < n && i < SYS_WARNINGS_KEPT ? sys_warnings[i] : NULL;
}

void sys_warn(const char *msg) {
  if (ag_opt.quiet) return;
  if (ag_opt.warnings != AG_WARNINGS_SNAPSHOT) {
    sys_warn_stderr(msg);
    return;
  }
  for (int i = 0; i < SYS_WARNINGS_KEPT && sys_warning(i) != NULL; i++)
    if (strcmp(sys_warnings[i], msg) == 0) return; /* said once */
  int i = atomic_load(&sys_nwarnings);
  if (i >= SYS_WARNINGS_KEPT) return;
  strncpy(sys_warnings[i], msg, SYS_WARNING_MAX - 1);
  atomic_store(&sys_nwarnings, i + 1);
}

void sys_warn_stderr(const char *msg) {
  if (ag_opt.quiet) return;
  int saved = errno, failed = 0;
  char prefix[24] = "==", digits[12];
  int n = 0, at = 2;
  for (unsigned v = (unsigned)sys_getpid(); n == 0 || v != 0; v /= 10) digits[n++] = (char)('0' + v % 10);
  while (n > 0) prefix[at++] = digits[--n];
  memcpy(prefix + at, "== ", 3);
  sys_write_all(2, prefix, (size_t)at + 3, &failed); /* as every message about the process */
  sys_write_all(2, "leakscope: ", 11, &failed);
  sys_write_all(2, msg, strlen(msg), &failed);
  sys_write_all(2, "\n", 1, &failed);
  errno = saved;
}

/* The entry of environ that holds name, or NULL. */
static char **sys_env_entry(const char *name) {
  size_t n = strlen(name);
  for (char **e = environ; e != NULL && *e != NULL; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return e;
  return NULL;
}

char *sys_getenv(const char *name) {
  char **e = sys_env_entry(name);
  return e != NULL ? *e + strlen(name) + 1 : NULL;
}

void sys_unsetenv(const char *name) {
  for (char **e; (e = sys_env_entry(name)) != NULL;)
    do e[0] = e[1]; while (*e++ != NULL);
}

/* The agent's descriptors are moved to the top of the first 1024 (below
 * the soft limit), as valgrind keeps its own: the program's next open
 * gets the number it would get without the agent, even while the agent
 * writes a snapshot. */
#define SYS_FD_CEILING 1024
#define SYS_FD_ROOM 32

int sys_open(const char *path, int flags, mode_t mode) {
  int fd = open(path, flags | O_CLOEXEC, mode);
  if (fd < 0) return -1;
  return sys_move_high(fd);
}

int sys_move_high(int fd) {
  struct rlimit limit;
  long top = SYS_FD_CEILING;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)top) top = (long)limit.rlim_cur;
  if (fd >= top - SYS_FD_ROOM) return fd;
  int saved = errno;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, top - SYS_FD_ROOM);
  if (high >= 0) {
    close(fd);
    fd = high;
  }
  errno = saved; /* no room up there: the low one it is */
  return fd;
}

/* close_range(first, last), by hand where the kernel lacks it. */
static void sys_close_range(unsigned first, unsigned last) {
  if (first > last || close_range(first, last, 0) == 0) return;
  for (unsigned fd = first; fd <= last && fd < SYS_FD_CEILING; fd++) close((int)fd);
}

int sys_private_files(int keep_stderr) {
  if (unshare(CLONE_FILES) != 0) return -1;
  /* the copies of the program's descriptors go at once: held here, they
   * would keep its pipes open after it closes them */
  int err = keep_stderr ? fcntl(2, F_DUPFD_CLOEXEC, 3) : -1;
  if (err >= 0) {
    sys_close_range(0, (unsigned)err - 1);
    sys_close_range((unsigned)err + 1, ~0u);
  } else {
    sys_close_range(0, ~0u);
  }
  /* 0, 1 and 2 taken, so that the thread's own files never get them */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  int ok = null == 0 && fcntl(0, F_DUPFD_CLOEXEC, 1) == 1 &&
           (err >= 0 ? dup3(err, 2, O_CLOEXEC) == 2 : fcntl(0, F_DUPFD_CLOEXEC, 2) == 2);
  if (err >= 0) close(err);
  return ok ? 0 : -1;
}

int sys_is_special_file(const char *path) {
  struct stat st;
  int saved = errno;
  int special = stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  errno = saved;
  return special;
}

ssize_t sys_read_file(const char *path, char *buf, size_t cap) {
  if (cap == 0) return -1;
  int fd = sys_open(path, O_RDONLY, 0);
  if (fd < 0) return -1;
  size_t used = 0;
  while (used < cap - 1) {
    ssize_t k = read(fd, buf + used, cap - 1 - used);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    used += (size_t)k;
  }
  close(fd);
  buf[used] = 0;
  return (ssize_t)used;
}

void sys_exe_path(char *buf, size_t cap) {
  ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
  buf[n > 0 ? n : 0] = 0;
}

static uintptr_t sys_hex(const char **p, const char *end) {
  uintptr_t v = 0;
  for (; *p < end; (*p)++) {
    char c = **p;
    if (c >= '0' && c <= '9') v = v * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (uintptr_t)(c - 'a' + 10);
    else break;
  }
  return v;
}

int sys_find_mapping(uintptr_t addr, uintptr_t *start, uintptr_t *end, int *main_stack) {
  int fd = sys_open("/proc/self/maps", O_RDONLY, 0);
  if (fd < 0) return -1;
  char buf[4096];
  size_t have = 0;
  int found = -1;
  for (;;) {
    ssize_t k = read(fd, buf + have, sizeof buf - have);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    have += (size_t)k;
    size_t line_start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      const char *p = buf + line_start, *line_end = buf + i;
      uintptr_t lo = sys_hex(&p, line_end);
      if (p < line_end && *p == '-') p++;
      uintptr_t hi = sys_hex(&p, line_end);
      if (addr >= lo && addr < hi) {
        *start = lo;
        *end = hi;
        *main_stack = line_end - p >= 7 && memcmp(line_end - 7, "[stack]", 7) == 0;
        found = 0;
        break;
      }
      line_start = i + 1;
    }
    if (found == 0) break;
    memmove(buf, buf + line_start, have - line_start); /* a partial line waits for the rest */
    have -= line_start;
    if (have == sizeof buf) have = 0; /* a line longer than the buffer: skip it */
  }
  close(fd);
  return found;
}

struct sys_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

int sys_foreach_thread(int (*fn)(pid_t tid, void *arg), void *arg) {
  int fd = sys_open("/proc/self/task", O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return -1;
  char buf[4096];
  int stop = 0;
  while (!stop) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n && !stop;) {
      const struct sys_dirent64 *d = (const struct sys_dirent64 *)(buf + off);
      off += d->d_reclen;
      if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
      pid_t tid = 0;
      for (const char *c = d->d_name; *c; c++) tid = tid * 10 + (*c - '0');
      stop = fn(tid, arg);
    }
  }
  close(fd);
  return 0;
}

void sys_writer_open(sys_writer *w, int fd) {
  w->fd = fd;
  w->failed = 0;
  w->used = 0;
}

int sys_flush(sys_writer *w) {
  if (w->used) sys_write_all(w->fd, w->buf, w->used, &w->failed);
  w->used = 0;
  return w->failed ? -1 : 0;
}

static void sys_putn(sys_writer *w, const char *s, size_t n) {
  if (w->used + n > sizeof w->buf) sys_flush(w);
  if (n > sizeof w->buf) {
    sys_write_all(w->fd, s, n, &w->failed);
    return;
  }
  memcpy(w->buf + w->used, s, n);
  w->used += n;
}

void sys_putc(sys_writer *w, char c) { sys_putn(w, &c, 1); }
void sys_put(sys_writer *w, const char *s) { sys_putn(w, s, strlen(s)); }

void sys_put_field(sys_writer *w, const char *key, uint64_t value) {
  sys_put(w, key);
  sys_putc(w, ' ');
  sys_put_u64(w, value);
  sys_putc(w, '\n');
}

void sys_put_escaped(sys_writer *w, const char *s) {
  static const char hex[] = "0123456789abcdef";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '%' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      sys_putn(w, e, 3);
    } else {
      sys_putc(w, (char)c);
    }
  }
}

void sys_put_u64(sys_writer *w, uint64_t v) {
  char tmp[24];
  int i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  sys_putn(w, tmp + i, sizeof tmp - (size_t)i);
}

void sys_put_hex(sys_writer *w, uint64_t v) {
  static const char hex[] = "0123456789abcdef";
  char tmp[17];
  int i = sizeof tmp;
  do {
    tmp[--i] = hex[v & 15];
    v >>= 4;
  } while (v);
  sys_putn(w, tmp + i, sizeof tmp - (size_t)i);
}

int sys_expand_path(const char *pattern, pid_t pid, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = pattern; *p; p++) {
    if (p[0] == '%' && p[1] == 'p') {
      char digits[16];
      int n = 0;
      unsigned v = (unsigned)pid;
      do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
      } while (v);
      while (n > 0) {
        if (o + 1 >= outlen) return -1;
        out[o++] = digits[--n];
      }
      p++;
      continue;
    }
    if (o + 1 >= outlen) return -1;
    out[o++] = *p;
  }
  out[o] = 0;
  return 0;
}
